// SPDX-License-Identifier: GPL-2.0
//
// Parsing of ncadm's arguments: addresses, services, times, nc policy.
// Functions that throw UsageError with a one-line message naming the
// problem (for an nc policy rule, the rule's message from
// include/nc_policy.h, the same text the kernel returns); nothing here talks to the kernel (host and service names are
// looked up through the resolver, as ipvsadm does).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ncadm {

// A problem with the command line; printed as one line, exit status 2.
struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct Address {
	int af = 0; // AF_INET or AF_INET6
	std::array<uint8_t, 16> bytes{}; // network order; IPv4 in the first 4
	std::string str() const;
	bool operator==(const Address &o) const { return af == o.af && bytes == o.bytes; }
};

struct Endpoint {
	Address addr;
	uint16_t port = 0;
};

struct Network {
	Address addr;
	unsigned plen = 0;
	std::string str() const;
	// This network with every bit past the prefix length cleared.
	Network masked() const;
	bool contains(const Address &a) const;
};

// A class as --class names it for pins: a network "100.64.0.0/10", or an
// address whose class (under the service's policy) is meant.
struct ClassArg {
	Address addr;
	std::optional<unsigned> plen;
	std::string str() const;
};

struct KeySpec {
	uint8_t mode = 0; // enum nc_key_mode
	std::optional<uint8_t> plen4;
	std::optional<uint8_t> plen6;
};

// "1.2.3.4", "2001:db8::1" or "[2001:db8::1]".
Address parse_address(std::string_view s, std::string_view what);
// parse_address, or a host name (resolved, IPv4 preferred, as ipvsadm does).
Address parse_host(std::string_view s, std::string_view what);
// "HOST:PORT" or "[ADDR6]:PORT"; without a port, @default_port (if any).
Endpoint parse_endpoint(std::string_view s, std::string_view what,
			std::optional<uint16_t> default_port);
uint16_t parse_port(std::string_view s, std::string_view what);
// Unsigned decimal within [lo, hi].
uint64_t parse_number(std::string_view s, uint64_t lo, uint64_t hi, std::string_view what);
// "30" (minutes, as the patent's sticky <vid> <min>), "90s", "30m", "2h".
uint32_t parse_sticky(std::string_view s);
// --nc-max-entries: 1..NC_MAX_ENTRIES_LIMIT.
uint32_t parse_max_entries(std::string_view s);
// --nc-bound: "off" or 0, or a factor 1.01..10 (at most two decimals),
// as a percentage: "1.25" -> 125.
uint32_t parse_bound(std::string_view s);
// "100.64.0.0/10" (no host bits) or an address.
ClassArg parse_class_arg(std::string_view s);
// "172", "100.64.0.0/10", "2001:db8::/32", comma separated.
std::vector<Network> parse_subnets(std::string_view s);
// "octet", "classful" or "/N" (IPv4 prefix), optionally ",/M" (IPv6 prefix).
KeySpec parse_key(std::string_view s);
uint8_t parse_pick(std::string_view s);
// A drain rule and its time: "keep", "deadline=30m" (NC_DRAIN_DEADLINE).
struct DrainSpec {
	uint8_t rule = 0; // enum nc_drain
	uint32_t secs = 0; // the deadline's time; 0 for the other rules
};
// "sysctl", "keep", "repick" or "deadline=TIME" (TIME as --sticky's).
DrainSpec parse_drain(std::string_view s);
// Hand-back of idle classes to their hash owner: idle time and rate.
struct HandbackSpec {
	uint32_t idle = 0; // seconds; 0: off
	uint32_t rate = 0; // moves a second at most
};
// "IDLE,RATE" (IDLE as --sticky's, RATE a second) or "off".
HandbackSpec parse_handback(std::string_view s);
// As --nc-handback takes it: "10m,5", "off".
std::string format_handback(uint32_t idle, uint32_t rate);

// The one table of protocol names ("TCP", "UDP", "SCTP"; "?" for any
// other), as ipvsadm prints them; JSON and getservbyname() want them in
// lower case.
std::string_view protocol_name(uint16_t protocol);
uint16_t protocol_number(std::string_view name); // 0 if not one of them
std::string lowercase(std::string_view s);	 // "TCP" -> "tcp"

std::string_view key_mode_name(unsigned mode);
std::string_view pick_name(unsigned pick);
std::string_view drain_name(unsigned drain);
// A drain rule as --nc-drain takes it: "keep", "deadline=30m".
std::string format_drain(unsigned drain, uint32_t secs);
// A key as --nc-key takes it: "octet,/48", "classful,/56", "/20,/48".
std::string format_key(unsigned mode, unsigned plen4, unsigned plen6);
// A load bound as --nc-bound takes it: 125 -> "1.25", 150 -> "1.5".
std::string format_bound(uint32_t percent);
// Seconds as the CLI prints them: "30m", "90s", "2h".
std::string format_duration(uint64_t seconds);

} // namespace ncadm
