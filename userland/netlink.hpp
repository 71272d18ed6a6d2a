// SPDX-License-Identifier: GPL-2.0
//
// RAII wrappers over libnl-genl-3: a generic netlink socket bound to one
// family, messages, nests, acked requests and dumps. Kernel refusals come
// back as KernelError with the errno and the extended-ack message.
#pragma once

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace ncadm {

// The kernel refused a request.
struct KernelError : std::runtime_error {
	KernelError(int err, const std::string &what) : std::runtime_error(what), error(err) {}
	int error; // positive errno
};

class Message {
public:
	Message(int family, uint8_t cmd, uint8_t version, int flags = 0);
	nl_msg *get() const { return msg_.get(); }

	void put_flag(int type);
	void put_u8(int type, uint8_t v);
	void put_u16(int type, uint16_t v);
	void put_u32(int type, uint32_t v);
	void put_u64(int type, uint64_t v);
	void put_string(int type, const std::string &v);
	void put(int type, const void *data, size_t len);

	// Opens a nested attribute, closed when the Nest goes out of scope.
	class Nest {
	public:
		Nest(Message &m, int type);
		Nest(const Nest &) = delete;
		Nest &operator=(const Nest &) = delete;
		~Nest();

	private:
		Message &m_;
		nlattr *start_;
	};

private:
	void check(int err, int type);
	std::unique_ptr<nl_msg, decltype(&nlmsg_free)> msg_;
};

class GenlSocket {
public:
	// Connects and resolves @family_name; @missing_hint names what to load.
	// If @module (which provides the family) is loaded but the family is
	// not there yet, waits a little for it.
	GenlSocket(const char *family_name, const std::string &missing_hint, const char *module = nullptr);
	int family() const { return family_; }

	// Sends @m and waits for the kernel's answer; @on_reply sees each reply
	// (every message of a dump, for @m with NLM_F_DUMP).
	void request(Message &m, const std::function<void(nlmsghdr *)> &on_reply = {});
private:
	std::unique_ptr<nl_sock, decltype(&nl_socket_free)> sk_;
	int family_ = -1;
	std::string name_;
};

// Top-level attributes of a generic netlink reply, parsed without a policy.
template <int Max> struct Attrs {
	nlattr *tb[Max + 1] = {};
	explicit Attrs(nlmsghdr *nlh) { genlmsg_parse(nlh, 0, tb, Max, nullptr); }
	explicit Attrs(nlattr *nest)
	{
		if (nest)
			nla_parse_nested(tb, Max, nest, nullptr);
	}
	nlattr *operator[](int i) const { return tb[i]; }
};

} // namespace ncadm
