// SPDX-License-Identifier: GPL-2.0
//
// ncprobe - the traffic end of the VM tests, one process for many
// connections (spawning a process per request is far too slow under
// emulation).
//
//   ncprobe serve --id NAME [--port P] [--hold]
//       Answer every TCP connection and every UDP datagram on port P (both
//       IPv4 and IPv6) with "NAME\n". With --hold a TCP connection stays
//       open after the answer until the client closes it.
//
//   ncprobe connect --to ADDR:PORT|[ADDR6]:PORT [--udp] [--count N]
//                   [--from A,B,...] [--from-file F] [--timeout-ms T]
//                   [--interval-ms I] [--hold-ms H]
//       For every source address (each N times, in rounds I ms apart), open a new
//       connection from it to the VIP, read the server's name and print
//       "SOURCE SERVER" (SERVER is "-" when nothing answered within T ms,
//       default 10000: far above a busy emulated guest's worst, so only a
//       connection that was never going to be answered waits that long).
//       With --hold-ms each connection is kept open H ms after its answer
//       (a long connection, against a --hold server). Exits 1 if any
//       connection got no answer.
#include "fd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string &what)
{
	throw std::runtime_error(what + ": " + std::strerror(errno));
}

struct Endpoint {
	sockaddr_storage ss{};
	socklen_t len = 0;
	int family() const { return ss.ss_family; }
};

// "1.2.3.4" or "2001:db8::1", with an optional port.
std::optional<Endpoint> parse_addr(const std::string &s, uint16_t port)
{
	Endpoint ep;
	auto *v4 = reinterpret_cast<sockaddr_in *>(&ep.ss);
	auto *v6 = reinterpret_cast<sockaddr_in6 *>(&ep.ss);
	if (inet_pton(AF_INET, s.c_str(), &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		ep.len = sizeof(*v4);
		return ep;
	}
	if (inet_pton(AF_INET6, s.c_str(), &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		ep.len = sizeof(*v6);
		return ep;
	}
	return std::nullopt;
}

uint16_t parse_port(const std::string &s)
{
	size_t used = 0;
	unsigned long v = 0;
	try {
		v = std::stoul(s, &used);
	} catch (const std::exception &) {
		used = 0;
	}
	if (used != s.size() || v == 0 || v > 65535)
		throw std::runtime_error("bad port '" + s + "'");
	return static_cast<uint16_t>(v);
}

// "ADDR:PORT" or "[ADDR6]:PORT".
Endpoint parse_hostport(const std::string &s)
{
	std::string host, port;
	if (!s.empty() && s[0] == '[') {
		auto close = s.find("]:");
		if (close == std::string::npos)
			throw std::runtime_error("bad address '" + s + "'");
		host = s.substr(1, close - 1);
		port = s.substr(close + 2);
	} else {
		auto colon = s.rfind(':');
		if (colon == std::string::npos)
			throw std::runtime_error("missing port in '" + s + "'");
		host = s.substr(0, colon);
		port = s.substr(colon + 1);
	}
	auto ep = parse_addr(host, parse_port(port));
	if (!ep)
		throw std::runtime_error("bad address '" + host + "'");
	return *ep;
}

bool wait_fd(int fd, short events, int timeout_ms)
{
	pollfd p{fd, events, 0};
	int n;
	do {
		n = ::poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	return n > 0;
}

// One connection from @src to @dst; the server's answer, or "-".
// With @keep, the connection is handed over there instead of closed.
std::string probe_once(const Endpoint &src, const Endpoint &dst, bool udp,
		       int timeout_ms, Fd *keep = nullptr)
{
	Fd fd(::socket(dst.family(), (udp ? SOCK_DGRAM : SOCK_STREAM) |
					     SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (fd.get() < 0)
		fail("socket");
	if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&src.ss),
		   src.len) < 0)
		fail("bind to source");
	if (udp) {
		if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&dst.ss), dst.len) < 0 ||
		    ::send(fd.get(), "?\n", 2, 0) < 0)
			return "-";
	} else {
		if (::connect(fd.get(), reinterpret_cast<const sockaddr *>(&dst.ss), dst.len) < 0 &&
		    errno != EINPROGRESS)
			return "-";
		if (!wait_fd(fd.get(), POLLOUT, timeout_ms))
			return "-";
		int err = 0;
		socklen_t len = sizeof(err);
		::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
		if (err)
			return "-";
	}
	std::string answer;
	char buf[256];
	while (answer.find('\n') == std::string::npos) {
		if (!wait_fd(fd.get(), POLLIN, timeout_ms))
			break;
		ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		answer.append(buf, static_cast<size_t>(n));
	}
	auto nl = answer.find('\n');
	if (nl == std::string::npos)
		return "-";
	if (keep)
		*keep = std::move(fd);
	return answer.substr(0, nl);
}

int run_connect(const std::vector<std::string> &args)
{
	std::optional<Endpoint> dst;
	std::vector<std::string> sources;
	bool udp = false;
	int count = 1, timeout_ms = 10000, interval_ms = 0, hold_ms = 0;

	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		auto value = [&]() -> const std::string & {
			if (i + 1 >= args.size())
				throw std::runtime_error("option " + a + " needs a value");
			return args[++i];
		};
		if (a == "--to") {
			dst = parse_hostport(value());
		} else if (a == "--udp") {
			udp = true;
		} else if (a == "--count") {
			count = std::stoi(value());
		} else if (a == "--timeout-ms") {
			timeout_ms = std::stoi(value());
		} else if (a == "--interval-ms") {
			interval_ms = std::stoi(value());
		} else if (a == "--hold-ms") {
			hold_ms = std::stoi(value());
		} else if (a == "--from") {
			std::stringstream ss(value());
			for (std::string s; std::getline(ss, s, ',');)
				if (!s.empty())
					sources.push_back(s);
		} else if (a == "--from-file") {
			std::ifstream in(value());
			if (!in)
				throw std::runtime_error("cannot read " + args[i]);
			for (std::string s; in >> s;)
				sources.push_back(s);
		} else {
			throw std::runtime_error("unknown option '" + a + "'");
		}
	}
	if (!dst)
		throw std::runtime_error("connect needs --to ADDR:PORT");
	if (sources.empty())
		throw std::runtime_error("connect needs --from or --from-file");
	if (count < 1)
		throw std::runtime_error("--count must be at least 1");

	std::vector<Endpoint> src_eps;
	for (const auto &s : sources) {
		auto ep = parse_addr(s, 0);
		if (!ep)
			throw std::runtime_error("bad source address '" + s + "'");
		src_eps.push_back(*ep);
	}

	unsigned failed = 0;
	for (int round = 0; round < count; round++) {
		if (round && interval_ms > 0)
			::usleep(static_cast<useconds_t>(interval_ms) * 1000);
		for (size_t i = 0; i < src_eps.size(); i++) {
			Fd held;
			std::string who = probe_once(src_eps[i], *dst, udp, timeout_ms, &held);
			if (who == "-")
				failed++;
			std::cout << sources[i] << ' ' << who << '\n';
			if (hold_ms > 0) {
				std::cout.flush();
				::usleep(static_cast<useconds_t>(hold_ms) * 1000);
			}
		}
	}
	std::cout.flush();
	if (failed)
		std::cerr << "ncprobe: " << failed << " connection(s) got no answer\n";
	return failed ? 1 : 0;
}

int run_serve(const std::vector<std::string> &args)
{
	std::string id;
	uint16_t port = 80;
	bool hold = false;
	for (size_t i = 0; i < args.size(); i++) {
		if (args[i] == "--hold")
			hold = true;
		else if (args[i] == "--id" && i + 1 < args.size())
			id = args[++i];
		else if (args[i] == "--port" && i + 1 < args.size())
			port = parse_port(args[++i]);
		else
			throw std::runtime_error("unknown option '" + args[i] + "'");
	}
	if (id.empty())
		throw std::runtime_error("serve needs --id NAME");
	const std::string answer = id + "\n";

	sockaddr_in6 any{};
	any.sin6_family = AF_INET6;
	any.sin6_addr = in6addr_any;
	any.sin6_port = htons(port);
	const int off = 0, on = 1;

	Fd tcp(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
	Fd udp(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	for (const Fd *fd : {&tcp, &udp}) {
		if (fd->get() < 0)
			fail("socket");
		::setsockopt(fd->get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (::bind(fd->get(), reinterpret_cast<sockaddr *>(&any), sizeof(any)) < 0)
			fail("bind port " + std::to_string(port));
	}
	if (::listen(tcp.get(), 1024) < 0)
		fail("listen");

	std::vector<Fd> held;	// --hold: answered, open until the client closes
	for (;;) {
		std::vector<pollfd> p = {{tcp.get(), POLLIN, 0}, {udp.get(), POLLIN, 0}};
		for (const Fd &h : held)
			p.push_back({h.get(), POLLIN, 0});
		if (::poll(p.data(), p.size(), -1) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll");
		}
		for (size_t i = p.size(); i-- > 2;) {
			char buf[64];
			if (p[i].revents && ::recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
				held.erase(held.begin() + static_cast<long>(i - 2));
		}
		if (p[0].revents & POLLIN) {
			Fd c(::accept4(tcp.get(), nullptr, nullptr, SOCK_CLOEXEC));
			if (c.get() >= 0) {
				(void)!::send(c.get(), answer.data(), answer.size(), MSG_NOSIGNAL);
				if (hold)
					held.push_back(std::move(c));
			}
		}
		if (p[1].revents & POLLIN) {
			char buf[512];
			sockaddr_storage from{};
			socklen_t flen = sizeof(from);
			ssize_t n = ::recvfrom(udp.get(), buf, sizeof(buf), 0,
					       reinterpret_cast<sockaddr *>(&from), &flen);
			if (n >= 0)
				(void)!::sendto(udp.get(), answer.data(), answer.size(), 0,
						reinterpret_cast<sockaddr *>(&from), flen);
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	try {
		if (argc < 2)
			throw std::runtime_error("usage: ncprobe serve|connect [options]");
		std::string cmd = argv[1];
		std::vector<std::string> args(argv + 2, argv + argc);
		if (cmd == "serve")
			return run_serve(args);
		if (cmd == "connect")
			return run_connect(args);
		throw std::runtime_error("unknown command '" + cmd + "'");
	} catch (const std::exception &e) {
		std::cerr << "ncprobe: " << e.what() << '\n';
		return 2;
	}
}
