// SPDX-License-Identifier: GPL-2.0
#include "model.hpp"

#include <linux/ip_vs.h>
#include <netinet/in.h>


namespace ncadm {

namespace {

const std::pair<uint32_t, std::string_view> forwards[] = {
	{IP_VS_CONN_F_MASQ, "Masq"}, {IP_VS_CONN_F_LOCALNODE, "Local"},
	{IP_VS_CONN_F_TUNNEL, "Tunnel"}, {IP_VS_CONN_F_DROUTE, "Route"}};

} // namespace

std::string_view forward_name(uint32_t conn_flags)
{
	for (const auto &[method, name] : forwards)
		if (method == (conn_flags & IP_VS_CONN_F_FWD_MASK))
			return name;
	return "";
}

std::string ServiceId::str() const
{
	if (fwmark)
		return "FWM " + std::to_string(fwmark);
	std::string a = af == AF_INET6 ? "[" + addr.str() + "]" : addr.str();
	return std::string(protocol_name(protocol)) + " " + a + ":" + std::to_string(port);
}

} // namespace ncadm
