// SPDX-License-Identifier: GPL-2.0
//
// The model in netlink attributes and back, for the kernel's "IPVS" family
// and ip_vs_nc's "IPVS_NC" family: put_* append a request's attributes to
// a message, parse_* read one reply message. No sockets here, so the unit
// tests check both directions against messages captured from ipvsadm and
// the kernel (tests/unit/captures).
#pragma once

#include "model.hpp"
#include "netlink.hpp"

#include <optional>

namespace ncadm {

// IPVS_CMD_ATTR_SERVICE: the service's identity, and with @c its settings.
void put_service(Message &m, const ServiceId &id, const ServiceConf *c);
// IPVS_CMD_ATTR_DEST: the server's address, and with @full its settings.
void put_dest(Message &m, const DestConf &d, bool full);
// IPVS_CMD_ATTR_DAEMON: the state, and with @full the multicast settings.
void put_daemon(Message &m, const SyncDaemon &d, bool full);
ServiceEntry parse_service_entry(nlmsghdr *nlh);
// A real server; @service_af when the kernel leaves its family out.
DestEntry parse_dest_entry(nlmsghdr *nlh, int service_af);
// Nothing if the reply lacks what ipvsadm requires of it.
std::optional<SyncDaemon> parse_daemon(nlmsghdr *nlh);

// NC_ATTR_SERVICE.
void put_nc_service(Message &m, const ServiceId &id);
// A nested NC_ADDR_ATTR_* address of @type, with a prefix length or port.
void put_nc_addr(Message &m, int type, const Address &a, std::optional<unsigned> plen,
		 std::optional<uint16_t> port);
// NC_ATTR_POLICY with only the fields @c changes.
void put_nc_policy(Message &m, const NcPolicyChange &c);
NcService parse_nc_service(nlmsghdr *nlh);
NcEntry parse_nc_entry(nlmsghdr *nlh);
std::vector<NcPin> parse_nc_pins(nlmsghdr *nlh);
NcMove parse_nc_move(nlmsghdr *nlh);

} // namespace ncadm
