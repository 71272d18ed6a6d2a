// SPDX-License-Identifier: GPL-2.0
//
// ncbench - the load generator of `make bench`: one process, epoll, many
// source addresses. It binds to addresses the client namespace routes to
// itself with "ip route add local NET dev lo", so any number of sources
// needs no address configuration.
//
//   ncbench tcp --to ADDR:PORT --sources SPEC [--conns N] [--concurrency C]
//               [--seconds S]
//       Open N new TCP connections (C at a time, for at most S seconds),
//       each from the next source, read the server's answer to EOF, and
//       print "conns=N ok=N failed=N seconds=F rate=F" (rate: answered
//       connections per second).
//
//   ncbench udp --to ADDR:PORT --sources SPEC [--conns N]
//       Send one datagram from each of N sources (no answer awaited): a
//       flood of new classes for the memory benchmark. Prints the same.
//
// SPEC is NET/LEN:K:STRIDE: K classes, class k at NET + k*STRIDE, the i-th
// connection from class i mod K, at offset (i / K) mod STRIDE inside it
// (so every connection has its own source address while the class is
// fixed). Example: 100.64.0.0/10:1000:256 is 1000 /24 classes.
#include "../probe/fd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string &what)
{
	throw std::runtime_error(what + (errno ? std::string(": ") + std::strerror(errno) : ""));
}

struct Sources {
	uint32_t base = 0, classes = 1, stride = 1, span = 0; // host order
	uint32_t at(uint64_t i) const
	{
		uint32_t k = static_cast<uint32_t>(i % classes);
		uint32_t off = static_cast<uint32_t>((i / classes) % stride);
		return base + k * stride + off;
	}
};

Sources parse_sources(const std::string &s)
{
	Sources src;
	unsigned a, b, c, d, len;
	unsigned long k, stride;
	if (std::sscanf(s.c_str(), "%u.%u.%u.%u/%u:%lu:%lu", &a, &b, &c, &d, &len, &k, &stride) != 7 || len > 32 ||
	    k == 0 || stride == 0)
		throw std::runtime_error("bad --sources '" + s + "' (NET/LEN:CLASSES:STRIDE)");
	src.base = (a << 24) | (b << 16) | (c << 8) | d;
	src.classes = static_cast<uint32_t>(k);
	src.stride = static_cast<uint32_t>(stride);
	uint64_t size = len == 0 ? (1ull << 32) : (1ull << (32 - len));
	if (static_cast<uint64_t>(k) * stride > size)
		throw std::runtime_error("--sources '" + s + "': classes * stride exceed the network");
	return src;
}

sockaddr_in parse_to(const std::string &s)
{
	sockaddr_in to{};
	auto colon = s.rfind(':');
	if (colon == std::string::npos || inet_pton(AF_INET, s.substr(0, colon).c_str(), &to.sin_addr) != 1)
		throw std::runtime_error("bad --to '" + s + "' (IPv4 ADDR:PORT)");
	to.sin_family = AF_INET;
	to.sin_port = htons(static_cast<uint16_t>(std::stoul(s.substr(colon + 1))));
	return to;
}

struct Result {
	uint64_t conns = 0, ok = 0, failed = 0;
	double seconds = 0;
};

Result run_tcp(const sockaddr_in &to, const Sources &src, uint64_t conns, unsigned concurrency, double max_seconds)
{
	Fd ep(::epoll_create1(EPOLL_CLOEXEC));
	if (ep.get() < 0)
		fail("epoll_create1");
	std::unordered_map<int, Fd> open; // fd -> socket
	Result r;
	uint64_t next = 0;
	auto start = std::chrono::steady_clock::now();
	auto elapsed = [&] {
		return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	};
	auto launch = [&] {
		int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			fail("socket");
		Fd s(fd);
		int one = 1;
		::setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		sockaddr_in from{};
		from.sin_family = AF_INET;
		from.sin_addr.s_addr = htonl(src.at(next++));
		if (::bind(fd, reinterpret_cast<sockaddr *>(&from), sizeof(from)) < 0)
			fail("bind (is the source network routed to lo?)");
		if (::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof(to)) < 0 && errno != EINPROGRESS) {
			r.failed++;
			return;
		}
		epoll_event ev{};
		ev.events = EPOLLIN | EPOLLRDHUP;
		ev.data.fd = fd;
		if (::epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
			fail("epoll_ctl");
		open.emplace(fd, std::move(s));
	};
	std::vector<epoll_event> events(1024);
	char buf[256];
	while (r.ok + r.failed < conns) {
		bool time_left = elapsed() < max_seconds;
		while (time_left && next < conns && open.size() < concurrency)
			launch();
		if (open.empty())
			break;
		int n = ::epoll_wait(ep.get(), events.data(), static_cast<int>(events.size()), 1000);
		if (n < 0 && errno != EINTR)
			fail("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = events[static_cast<size_t>(i)].data.fd;
			// The server's first bytes are its answer; then we close.
			ssize_t got = ::read(fd, buf, sizeof(buf));
			if (got < 0 && errno == EAGAIN)
				continue; // woken before the answer
			if (got > 0)
				r.ok++;
			else
				r.failed++; // refused, reset, or closed without answering
			open.erase(fd); // closes; epoll forgets it
		}
		if (!time_left && n == 0) {
			r.failed += open.size();
			break;
		}
	}
	r.conns = r.ok + r.failed;
	r.seconds = elapsed();
	return r;
}

Result run_udp(const sockaddr_in &to, const Sources &src, uint64_t conns)
{
	Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (s.get() < 0)
		fail("socket");
	Result r;
	auto start = std::chrono::steady_clock::now();
	char payload[] = "ncbench";
	for (uint64_t i = 0; i < conns; i++) {
		iovec iov{payload, sizeof(payload) - 1};
		alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
		msghdr msg{};
		msg.msg_name = const_cast<sockaddr_in *>(&to);
		msg.msg_namelen = sizeof(to);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
		in_pktinfo pi{};
		pi.ipi_spec_dst.s_addr = htonl(src.at(i));
		std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		if (::sendmsg(s.get(), &msg, 0) < 0)
			r.failed++;
		else
			r.ok++;
	}
	r.conns = conns;
	r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	return r;
}

} // namespace

int main(int argc, char **argv)
{
	try {
		if (argc < 2)
			throw std::runtime_error("usage: ncbench tcp|udp --to ADDR:PORT --sources SPEC [...]");
		std::string mode = argv[1], to_s, src_s;
		uint64_t conns = 1000;
		unsigned concurrency = 32;
		double seconds = 60;
		for (int i = 2; i + 1 < argc; i += 2) {
			std::string k = argv[i], v = argv[i + 1];
			if (k == "--to")
				to_s = v;
			else if (k == "--sources")
				src_s = v;
			else if (k == "--conns")
				conns = std::stoull(v);
			else if (k == "--concurrency")
				concurrency = static_cast<unsigned>(std::stoul(v));
			else if (k == "--seconds")
				seconds = std::stod(v);
			else
				throw std::runtime_error("unknown option '" + k + "'");
		}
		sockaddr_in to = parse_to(to_s);
		Sources src = parse_sources(src_s);
		Result r;
		if (mode == "tcp")
			r = run_tcp(to, src, conns, concurrency, seconds);
		else if (mode == "udp")
			r = run_udp(to, src, conns);
		else
			throw std::runtime_error("unknown mode '" + mode + "' (tcp or udp)");
		std::printf("conns=%llu ok=%llu failed=%llu seconds=%.3f rate=%.1f\n",
			    static_cast<unsigned long long>(r.conns), static_cast<unsigned long long>(r.ok),
			    static_cast<unsigned long long>(r.failed), r.seconds, r.seconds > 0 ? static_cast<double>(r.ok) / r.seconds : 0.0);
		return 0;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "ncbench: %s\n", e.what());
		return 2;
	}
}
