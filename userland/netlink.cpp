// SPDX-License-Identifier: GPL-2.0
#include "netlink.hpp"

#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace ncadm {

Message::Message(int family, uint8_t cmd, uint8_t version, int flags)
	: msg_(nlmsg_alloc(), &nlmsg_free)
{
	if (!msg_)
		throw std::runtime_error("out of memory");
	if (!genlmsg_put(msg_.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd, version))
		throw std::runtime_error("cannot build a netlink message");
}

void Message::check(int err, int type)
{
	if (err < 0)
		throw std::runtime_error("netlink message too large (attribute " + std::to_string(type) + ")");
}

void Message::put_flag(int type) { check(nla_put_flag(get(), type), type); }
void Message::put_u8(int type, uint8_t v) { check(nla_put_u8(get(), type, v), type); }
void Message::put_u16(int type, uint16_t v) { check(nla_put_u16(get(), type, v), type); }
void Message::put_u32(int type, uint32_t v) { check(nla_put_u32(get(), type, v), type); }
void Message::put_u64(int type, uint64_t v) { check(nla_put_u64(get(), type, v), type); }
void Message::put_string(int type, const std::string &v) { check(nla_put_string(get(), type, v.c_str()), type); }
void Message::put(int type, const void *data, size_t len)
{
	check(nla_put(get(), type, static_cast<int>(len), data), type);
}

Message::Nest::Nest(Message &m, int type) : m_(m), start_(nla_nest_start(m.get(), type))
{
	if (!start_)
		throw std::runtime_error("netlink message too large");
}

Message::Nest::~Nest()
{
	// kept when empty: an empty nc-subnet list is a request to clear the list
	nla_nest_end_keep_empty(m_.get(), start_);
}

GenlSocket::GenlSocket(const char *family_name, const std::string &missing_hint, const char *module)
	: sk_(nl_socket_alloc(), &nl_socket_free), name_(family_name)
{
	if (!sk_)
		throw std::runtime_error("out of memory");
	int err = genl_connect(sk_.get());
	if (err < 0)
		throw std::runtime_error(std::string("cannot open a generic netlink socket: ") + nl_geterror(err));
	int one = 1;
	// Extended ack: the kernel's message naming what it refused.
	setsockopt(nl_socket_get_fd(sk_.get()), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk_.get()), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	family_ = genl_ctrl_resolve(sk_.get(), family_name);
	// A module that was just loaded on demand may register its family a
	// moment later (ip_vs_nc does so from a work item): wait up to 2 s.
	std::string sysfs = module ? std::string("/sys/module/") + module : "";
	for (int i = 0; family_ < 0 && module && i < 40 && ::access(sysfs.c_str(), F_OK) == 0; i++) {
		::usleep(50 * 1000);
		family_ = genl_ctrl_resolve(sk_.get(), family_name);
	}
	if (family_ < 0)
		throw KernelError(ENOENT, missing_hint);
}

namespace {

struct Transaction {
	const std::function<void(nlmsghdr *)> *on_reply = nullptr;
	int error = 0;
	std::string message;
	bool done = false;
	std::exception_ptr exception;
};

// The extended-ack message after an nlmsgerr, if the kernel sent one.
std::string ext_ack_message(nlmsghdr *nlh, const nlmsgerr *e)
{
	size_t off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || NLMSG_HDRLEN + off > nlh->nlmsg_len)
		return {};
	auto *start = reinterpret_cast<nlattr *>(reinterpret_cast<char *>(nlmsg_data(nlh)) + off);
	int len = static_cast<int>(nlh->nlmsg_len - NLMSG_HDRLEN - off);
	nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, start, len, nullptr) < 0 || !tb[NLMSGERR_ATTR_MSG])
		return {};
	return nla_get_string(tb[NLMSGERR_ATTR_MSG]);
}

int on_valid(nl_msg *msg, void *arg)
{
	auto *t = static_cast<Transaction *>(arg);
	try {
		if (*t->on_reply)
			(*t->on_reply)(nlmsg_hdr(msg));
	} catch (...) {
		t->exception = std::current_exception();
		return NL_STOP;
	}
	return NL_OK;
}

int on_error(sockaddr_nl *, nlmsgerr *e, void *arg)
{
	auto *t = static_cast<Transaction *>(arg);
	auto *nlh = reinterpret_cast<nlmsghdr *>(reinterpret_cast<char *>(e) - NLMSG_HDRLEN);
	t->error = -e->error;
	t->message = ext_ack_message(nlh, e);
	t->done = true;
	return NL_STOP;
}

int on_done(nl_msg *, void *arg)
{
	static_cast<Transaction *>(arg)->done = true;
	return NL_STOP;
}

} // namespace

void GenlSocket::request(Message &m, const std::function<void(nlmsghdr *)> &on_reply)
{
	std::unique_ptr<nl_cb, decltype(&nl_cb_put)> cb(nl_cb_alloc(NL_CB_DEFAULT), &nl_cb_put);
	if (!cb)
		throw std::runtime_error("out of memory");
	Transaction t;
	t.on_reply = &on_reply;
	nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_done, &t);
	nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_done, &t);
	nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &t);

	int err = nl_send_auto(sk_.get(), m.get());
	if (err < 0)
		throw std::runtime_error(std::string("cannot send to the kernel: ") + nl_geterror(err));
	while (!t.done && !t.exception) {
		err = nl_recvmsgs(sk_.get(), cb.get());
		// IPVS_NC flags a table dump during which the table was
		// resized (Nc::table reads it again); IPVS flags none (6.1 to
		// 7.2). Say so rather than list half of a table.
		if (err == -NLE_DUMP_INTR)
			throw KernelError(EINTR, "the listing changed while it was read; try again");
		if (err < 0 && !t.done && !t.exception)
			throw KernelError(EIO, std::string("netlink: ") + nl_geterror(err));
	}
	if (t.exception)
		std::rethrow_exception(t.exception);
	if (t.error)
		throw KernelError(t.error, t.message.empty() ? std::strerror(t.error) : t.message);
}

} // namespace ncadm
