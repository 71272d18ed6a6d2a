// SPDX-License-Identifier: GPL-2.0
#include "print.hpp"

#include <sys/socket.h>

#include <cstdio>

namespace ncadm {

std::string json_quote(std::string_view s)
{
	std::string out = "\"";
	for (char c : s) {
		switch (c) {
		case '"': out += "\\\""; break;
		case '\\': out += "\\\\"; break;
		case '\n': out += "\\n"; break;
		default:
			if (static_cast<unsigned char>(c) < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof(buf), "\\u%04x", c);
				out += buf;
			} else {
				out += c;
			}
		}
	}
	return out + "\"";
}

Printer::Printer(std::ostream &out, Format f) : out_(out), json_(f == Format::Json) {}

void Printer::member(const char *key)
{
	if (!first_.empty()) {
		if (!first_.back())
			out_ << ",";
		first_.back() = false;
	}
	if (key)
		out_ << json_quote(key) << ":";
}

void Printer::begin_object(const char *key)
{
	if (!json_)
		return;
	member(key);
	out_ << "{";
	first_.push_back(true);
}

void Printer::end_object()
{
	if (!json_)
		return;
	out_ << "}";
	first_.pop_back();
	if (first_.empty())
		out_ << "\n";
}

void Printer::begin_array(const char *key)
{
	if (!json_)
		return;
	member(key);
	out_ << "[";
	first_.push_back(true);
}

void Printer::end_array()
{
	if (!json_)
		return;
	out_ << "]";
	first_.pop_back();
}

void Printer::put_text(const char *fmt, const std::string &v)
{
	if (!fmt)
		return;
	std::string_view f(fmt);
	auto at = f.find("%s");
	if (at == std::string_view::npos)
		out_ << f;
	else
		out_ << f.substr(0, at) << v << f.substr(at + 2);
}

void Printer::field(Show s, const char *key, const char *fmt, const std::string &json_value,
		    const std::string &text_value)
{
	if (json_ && s != Show::Text) {
		member(key);
		out_ << json_value;
	} else if (!json_ && s != Show::Json) {
		put_text(fmt, text_value);
	}
}

void Printer::str(Show s, const char *key, const char *fmt, std::string_view v)
{
	field(s, key, fmt, json_quote(v), std::string(v));
}

void Printer::num(Show s, const char *key, const char *fmt, int64_t v)
{
	field(s, key, fmt, std::to_string(v), std::to_string(v));
}

void Printer::unum(Show s, const char *key, const char *fmt, uint64_t v)
{
	field(s, key, fmt, std::to_string(v), std::to_string(v));
}

void Printer::ratio(Show s, const char *key, const char *fmt, double v)
{
	char json[32], text[32];
	std::snprintf(json, sizeof(json), "%.4f", v);
	std::snprintf(text, sizeof(text), "%5.1f%%", v * 100);
	field(s, key, fmt, json, text);
}

void Printer::boolean(const char *key, bool v)
{
	field(Show::Json, key, nullptr, v ? "true" : "false", "");
}

void Printer::null(const char *key)
{
	if (!json_)
		return;
	member(key);
	out_ << "null";
}

void Printer::text(std::string_view s)
{
	if (!json_)
		out_ << s;
}

void print_service_id(Printer &p, const char *key, const ServiceId &id)
{
	p.begin_object(key);
	p.str(Show::Json, "family", nullptr, id.af == AF_INET6 ? "inet6" : "inet");
	if (id.fwmark) {
		p.unum(Show::Json, "fwmark", nullptr, id.fwmark);
	} else {
		p.str(Show::Json, "protocol", nullptr, lowercase(protocol_name(id.protocol)));
		p.str(Show::Json, "address", nullptr, id.addr.str());
		p.unum(Show::Json, "port", nullptr, id.port);
	}
	p.end_object();
}

} // namespace ncadm
