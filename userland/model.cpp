// SPDX-License-Identifier: GPL-2.0
#include "model.hpp"

#include <linux/ip_vs.h>
#include <netinet/in.h>

#include <cctype>

namespace ncadm {

namespace {

const std::pair<uint16_t, std::string_view> protocols[] = {
	{IPPROTO_TCP, "TCP"}, {IPPROTO_UDP, "UDP"}, {IPPROTO_SCTP, "SCTP"}};

const std::pair<uint32_t, std::string_view> forwards[] = {
	{IP_VS_CONN_F_MASQ, "Masq"}, {IP_VS_CONN_F_LOCALNODE, "Local"},
	{IP_VS_CONN_F_TUNNEL, "Tunnel"}, {IP_VS_CONN_F_DROUTE, "Route"}};

} // namespace

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

std::string_view forward_name(uint32_t conn_flags)
{
	for (const auto &[method, name] : forwards)
		if (method == (conn_flags & IP_VS_CONN_F_FWD_MASK))
			return name;
	return "";
}

std::string lowercase(std::string_view s)
{
	std::string out(s);
	for (char &c : out)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

std::string ServiceId::str() const
{
	if (fwmark)
		return "FWM " + std::to_string(fwmark);
	std::string a = af == AF_INET6 ? "[" + addr.str() + "]" : addr.str();
	return std::string(protocol_name(protocol)) + " " + a + ":" + std::to_string(port);
}

} // namespace ncadm
