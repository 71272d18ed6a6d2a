// SPDX-License-Identifier: GPL-2.0
#include "parse.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <memory>

extern "C" {
#include "ip_vs_nc.h"
#include "nc_policy.h"
}

namespace ncadm {

namespace {

std::string quoted(std::string_view s)
{
	return "'" + std::string(s) + "'";
}

const std::pair<uint16_t, std::string_view> protocols[] = {
	{IPPROTO_TCP, "TCP"}, {IPPROTO_UDP, "UDP"}, {IPPROTO_SCTP, "SCTP"}};

constexpr std::string_view key_names[] = {"octet", "classful", "prefix"};
constexpr std::string_view pick_names[] = {"hash", "wlc", "wrr", "rr", "lc"};
constexpr std::string_view drain_names[] = {"sysctl", "keep", "repick", "deadline"};

template <size_t N>
uint8_t lookup_name(const std::string_view (&names)[N], std::string_view s,
		    std::string_view what)
{
	for (size_t i = 0; i < N; i++)
		if (names[i] == s)
			return static_cast<uint8_t>(i);
	std::string choices;
	for (auto n : names)
		choices += (choices.empty() ? "" : "|") + std::string(n);
	throw UsageError("bad " + std::string(what) + " " + quoted(s) + " (expected " + choices + ")");
}

// A number for a rule's check: anything past 32 bits is past every limit.
uint32_t clamp32(uint64_t v)
{
	return static_cast<uint32_t>(std::min<uint64_t>(v, UINT32_MAX));
}

// A broken policy rule (include/nc_policy.h) as ncadm reports it: the
// option, what was given, and the rule's own message, the one the kernel
// would return.
UsageError rule_error(std::string_view option, std::string_view given, const char *rule,
		      const std::string &hint = "")
{
	return UsageError(std::string(option) + " " + quoted(given) + ": " + rule + hint);
}

} // namespace

std::string Address::str() const
{
	char buf[INET6_ADDRSTRLEN] = "";
	inet_ntop(af, bytes.data(), buf, sizeof(buf));
	return buf;
}

std::string Network::str() const
{
	return addr.str() + "/" + std::to_string(plen);
}

Network Network::masked() const
{
	Network n = *this;
	unsigned max = n.addr.af == AF_INET ? 32 : 128;
	for (unsigned bit = n.plen; bit < max; bit++)
		n.addr.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
	return n;
}

bool Network::contains(const Address &a) const
{
	return a.af == addr.af && Network{a, plen}.masked().addr == masked().addr;
}

uint64_t parse_number(std::string_view s, uint64_t lo, uint64_t hi, std::string_view what)
{
	uint64_t v = 0;
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (s.empty() || ec != std::errc() || end != s.data() + s.size())
		throw UsageError("bad " + std::string(what) + " " + quoted(s) + " (not a number)");
	if (v < lo || v > hi)
		throw UsageError(std::string(what) + " " + quoted(s) + " out of range " +
				 std::to_string(lo) + ".." + std::to_string(hi));
	return v;
}

Address parse_address(std::string_view s, std::string_view what)
{
	std::string str(s);
	if (str.size() > 2 && str.front() == '[' && str.back() == ']')
		str = str.substr(1, str.size() - 2);
	Address a;
	if (inet_pton(AF_INET, str.c_str(), a.bytes.data()) == 1) {
		a.af = AF_INET;
		return a;
	}
	if (inet_pton(AF_INET6, str.c_str(), a.bytes.data()) == 1) {
		a.af = AF_INET6;
		return a;
	}
	throw UsageError("bad " + std::string(what) + " address " + quoted(s));
}

Address parse_host(std::string_view s, std::string_view what)
{
	bool name = !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						      "0123456789-.") == std::string_view::npos &&
		    s.find_first_not_of("0123456789.") != std::string_view::npos;
	if (!name)
		return parse_address(s, what);
	// As ipvsadm: a name stands for its IPv4 address; IPv6 only if it has
	// no IPv4 one.
	addrinfo hints{};
	hints.ai_socktype = SOCK_STREAM;
	addrinfo *res = nullptr;
	std::string host(s);
	if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res)
		throw UsageError("cannot resolve " + std::string(what) + " host name " + quoted(s));
	std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(res, &freeaddrinfo);
	const addrinfo *pick = nullptr;
	for (const addrinfo *r = res; r && !(pick && pick->ai_family == AF_INET); r = r->ai_next)
		if (r->ai_family == AF_INET || (!pick && r->ai_family == AF_INET6))
			pick = r;
	if (!pick)
		throw UsageError("cannot resolve " + std::string(what) + " host name " + quoted(s));
	Address a;
	a.af = pick->ai_family;
	if (a.af == AF_INET)
		std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in *>(pick->ai_addr)->sin_addr, 4);
	else
		std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6 *>(pick->ai_addr)->sin6_addr, 16);
	return a;
}

uint16_t parse_port(std::string_view s, std::string_view what)
{
	// Service names as ipvsadm -S writes them without -n ("http").
	if (!s.empty() && s.find_first_of("0123456789") != 0) {
		std::string name(s);
		for (const auto &p : protocols)
			if (servent *e = getservbyname(name.c_str(), lowercase(p.second).c_str()))
				return ntohs(static_cast<uint16_t>(e->s_port));
	}
	return static_cast<uint16_t>(parse_number(s, 0, 65535, std::string(what) + " port"));
}

Endpoint parse_endpoint(std::string_view s, std::string_view what,
			std::optional<uint16_t> default_port)
{
	std::string_view host = s, port;
	bool has_port = false;
	if (!s.empty() && s.front() == '[') {
		auto close = s.find(']');
		if (close == std::string_view::npos)
			throw UsageError("bad " + std::string(what) + " " + quoted(s) + " (missing ']')");
		host = s.substr(0, close + 1);
		if (close + 1 < s.size()) {
			if (s[close + 1] != ':')
				throw UsageError("bad " + std::string(what) + " " + quoted(s));
			port = s.substr(close + 2);
			has_port = true;
		}
	} else if (s.find(':') != s.rfind(':')) {
		host = s; // bare IPv6 address, no port
	} else if (auto colon = s.find(':'); colon != std::string_view::npos) {
		host = s.substr(0, colon);
		port = s.substr(colon + 1);
		has_port = true;
	}
	Endpoint ep;
	ep.addr = parse_host(host, what);
	if (has_port)
		ep.port = parse_port(port, what);
	else if (default_port)
		ep.port = *default_port;
	else
		throw UsageError(std::string(what) + " " + quoted(s) + " needs a port (ADDR:PORT)");
	return ep;
}

namespace {

// "30" (minutes), "90s", "30m", "2h", in seconds (unchecked).
uint64_t parse_minutes_or_unit(std::string_view s, std::string_view what)
{
	uint64_t unit = 60; // a bare number is minutes
	std::string_view num = s;
	if (!s.empty()) {
		switch (s.back()) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		default: unit = 0; break;
		}
		if (unit)
			num = s.substr(0, s.size() - 1);
		else
			unit = 60;
	}
	return parse_number(num, 0, UINT64_MAX / 3600, what) * unit;
}

} // namespace

uint32_t parse_sticky(std::string_view s)
{
	uint64_t secs = parse_minutes_or_unit(s, "sticky time");
	if (const char *why = nc_check_sticky(clamp32(secs)))
		throw rule_error("--sticky", s, why);
	return clamp32(secs);
}

uint32_t parse_max_entries(std::string_view s)
{
	uint32_t n = clamp32(parse_number(s, 0, UINT64_MAX, "entry cap"));
	if (const char *why = nc_check_max_entries(n))
		throw rule_error("--nc-max-entries", s, why);
	return n;
}

uint32_t parse_bound(std::string_view s)
{
	if (s == "off")
		return 0;
	const size_t dot = s.find('.');
	std::string_view whole = s.substr(0, dot);
	std::string frac(dot == std::string_view::npos ? "" : s.substr(dot + 1));
	if (frac.size() > 2 || (dot != std::string_view::npos && frac.empty()) ||
	    frac.find_first_not_of("0123456789") != std::string::npos)
		throw UsageError("bad load bound " + quoted(s) + " (a factor such as 1.25, or off)");
	frac.resize(2, '0');
	uint64_t percent = parse_number(whole, 0, 1000, "load bound") * 100 + std::stoul(frac);
	if (const char *why = nc_check_bound(clamp32(percent)))
		throw rule_error("--nc-bound", s, why);
	return clamp32(percent);
}

std::string ClassArg::str() const
{
	return plen ? Network{addr, *plen}.str() : addr.str();
}

ClassArg parse_class_arg(std::string_view s)
{
	auto slash = s.find('/');
	ClassArg c;
	c.addr = parse_address(s.substr(0, slash), "class");
	if (slash == std::string_view::npos)
		return c;
	unsigned max = c.addr.af == AF_INET ? 32 : 128;
	Network n{c.addr, static_cast<unsigned>(parse_number(s.substr(slash + 1), 0, max, "class prefix length"))};
	if (!(n.masked().addr == n.addr))
		throw UsageError("network " + quoted(s) + " has host bits set (did you mean " + n.masked().str() + "?)");
	c.plen = n.plen;
	return c;
}

std::vector<Network> parse_subnets(std::string_view s)
{
	nc_policy list{}; // the rules' view of the same networks
	std::vector<Network> out;
	size_t pos = 0;
	while (pos <= s.size()) {
		size_t comma = s.find(',', pos);
		std::string_view item = s.substr(pos, comma == std::string_view::npos ? s.npos : comma - pos);
		pos = comma == std::string_view::npos ? s.size() + 1 : comma + 1;
		if (item.empty())
			throw UsageError("empty network in nc-subnet list " + quoted(s));
		Network n;
		auto slash = item.find('/');
		if (slash == std::string_view::npos && item.find_first_not_of("0123456789") == item.npos) {
			// A bare first octet, the patent's "172".
			n.addr.af = AF_INET;
			n.addr.bytes[0] = static_cast<uint8_t>(parse_number(item, 0, 255, "nc-subnet octet"));
			n.plen = 8;
		} else {
			n.addr = parse_address(item.substr(0, slash), "nc-subnet");
			n.plen = slash == std::string_view::npos
					 ? (n.addr.af == AF_INET ? 32 : 128)
					 : clamp32(parse_number(item.substr(slash + 1), 0, UINT64_MAX,
								"nc-subnet prefix length"));
		}
		uint8_t family = n.addr.af == AF_INET ? NC_FAMILY_INET : NC_FAMILY_INET6;
		if (const char *why = nc_policy_add_subnet(&list, family, n.addr.bytes.data(), n.plen)) {
			bool host_bits = std::string_view(why) == NC_ERR_SUBNET_HOST_BITS;
			throw rule_error("--nc-subnet", item, why,
					 host_bits ? " (did you mean " + n.masked().str() + "?)" : "");
		}
		out.push_back(n); // accepted: already a network, as the list holds it
	}
	return out;
}

KeySpec parse_key(std::string_view s)
{
	KeySpec k;
	auto comma = s.find(',');
	std::string_view first = s.substr(0, comma);
	if (first == "octet") {
		k.mode = NC_KEY_OCTET;
	} else if (first == "classful") {
		k.mode = NC_KEY_CLASSFUL;
	} else if (!first.empty() && first.front() == '/') {
		k.mode = NC_KEY_PREFIX;
		uint32_t plen = clamp32(parse_number(first.substr(1), 0, UINT64_MAX, "IPv4 class prefix length"));
		if (const char *why = nc_check_plen4(plen))
			throw rule_error("--nc-key", s, why);
		k.plen4 = static_cast<uint8_t>(plen);
	} else {
		throw UsageError("bad nc key " + quoted(s) + " (expected octet, classful or /N, optionally ,/M for IPv6)");
	}
	if (comma != std::string_view::npos) {
		std::string_view second = s.substr(comma + 1);
		if (second.empty() || second.front() != '/')
			throw UsageError("bad IPv6 class " + quoted(second) + " in nc key (expected /M)");
		uint32_t plen = clamp32(parse_number(second.substr(1), 0, UINT64_MAX, "IPv6 class prefix length"));
		if (const char *why = nc_check_plen6(plen))
			throw rule_error("--nc-key", s, why);
		k.plen6 = static_cast<uint8_t>(plen);
	}
	return k;
}

uint8_t parse_pick(std::string_view s)
{
	return lookup_name(pick_names, s, "first pick");
}

DrainSpec parse_drain(std::string_view s)
{
	constexpr std::string_view deadline = "deadline=";
	if (s.substr(0, deadline.size()) != deadline) {
		for (uint8_t rule = 0; rule < NC_DRAIN_DEADLINE; rule++)
			if (s == drain_names[rule])
				return DrainSpec{rule, 0};
		throw UsageError("bad drain rule " + quoted(s) + " (expected sysctl|keep|repick|deadline=TIME)");
	}
	uint64_t secs = parse_minutes_or_unit(s.substr(deadline.size()), "drain deadline");
	if (!secs || secs > NC_MAX_STICKY_SECS)
		throw rule_error("--nc-drain", s, NC_ERR_DRAIN_SECS);
	return DrainSpec{NC_DRAIN_DEADLINE, clamp32(secs)};
}

HandbackSpec parse_handback(std::string_view s)
{
	if (s == "off")
		return HandbackSpec{};
	const auto comma = s.find(',');
	if (comma == std::string_view::npos)
		throw UsageError("bad hand-back " + quoted(s) + " (expected IDLE,RATE such as 10m,5, or off)");
	HandbackSpec h;
	h.idle = clamp32(parse_minutes_or_unit(s.substr(0, comma), "hand-back idle time"));
	h.rate = clamp32(parse_number(s.substr(comma + 1), 0, UINT64_MAX, "hand-back rate"));
	if (!h.idle || h.idle > NC_MAX_STICKY_SECS || !h.rate || h.rate > NC_MAX_HANDBACK_RATE)
		throw rule_error("--nc-handback", s, NC_ERR_HANDBACK);
	return h;
}

std::string format_handback(uint32_t idle, uint32_t rate)
{
	return idle ? format_duration(idle) + "," + std::to_string(rate) : "off";
}

std::string format_drain(unsigned drain, uint32_t secs)
{
	if (drain == NC_DRAIN_DEADLINE)
		return "deadline=" + format_duration(secs);
	return std::string(drain_name(drain));
}

std::string_view protocol_name(uint16_t protocol)
{
	for (const auto &[number, name] : protocols)
		if (number == protocol)
			return name;
	return "?";
}

uint16_t protocol_number(std::string_view name)
{
	for (const auto &[number, n] : protocols)
		if (n == name)
			return number;
	return 0;
}

std::string lowercase(std::string_view s)
{
	std::string out(s);
	for (char &c : out)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

std::string_view key_mode_name(unsigned mode)
{
	return mode < std::size(key_names) ? key_names[mode] : "?";
}

std::string_view pick_name(unsigned pick)
{
	return pick < std::size(pick_names) ? pick_names[pick] : "?";
}

std::string_view drain_name(unsigned drain)
{
	return drain < std::size(drain_names) ? drain_names[drain] : "?";
}

std::string format_key(unsigned mode, unsigned plen4, unsigned plen6)
{
	std::string first = mode == NC_KEY_PREFIX ? "/" + std::to_string(plen4) : std::string(key_mode_name(mode));
	return first + ",/" + std::to_string(plen6);
}

std::string format_bound(uint32_t percent)
{
	std::string s = std::to_string(percent / 100);
	if (percent % 100)
		s += "." + std::to_string(percent % 100 / 10) + (percent % 10 ? std::to_string(percent % 10) : "");
	return s;
}

std::string format_duration(uint64_t seconds)
{
	if (seconds && seconds % 3600 == 0)
		return std::to_string(seconds / 3600) + "h";
	if (seconds && seconds % 60 == 0)
		return std::to_string(seconds / 60) + "m";
	return std::to_string(seconds) + "s";
}

} // namespace ncadm
