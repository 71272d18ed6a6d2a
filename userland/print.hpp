// SPDX-License-Identifier: GPL-2.0
//
// One description of a listing that prints it as text or as JSON, after
// iproute2's print_*(PRINT_ANY, key, fmt, value): each field names its
// JSON key and its text format once. JSON is written compactly, every
// string escaped, one top-level value per line.
#pragma once

#include "model.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ncadm {

enum class Format { Text, Json };

// Where a field shows: both forms, only in JSON, only in text.
enum class Show { Any, Json, Text };

class Printer {
public:
	Printer(std::ostream &out, Format f);
	Printer(const Printer &) = delete;
	Printer &operator=(const Printer &) = delete;

	bool json() const { return json_; }

	// JSON structure (nothing in text). @key names the member; nullptr
	// for an element of an array or the top-level value.
	void begin_object(const char *key = nullptr);
	void end_object();
	void begin_array(const char *key);
	void end_array();

	// A field: in JSON "key":value, in text @fmt with the value in place
	// of its one %s (nothing when @fmt is nullptr).
	void str(Show s, const char *key, const char *fmt, std::string_view v);
	void num(Show s, const char *key, const char *fmt, int64_t v);
	void unum(Show s, const char *key, const char *fmt, uint64_t v);
	// A fraction 0..1: in JSON with four decimals, in text as a
	// percentage with one, six characters wide (" 33.3%").
	void ratio(Show s, const char *key, const char *fmt, double v);
	void boolean(const char *key, bool v); // JSON only
	void null(const char *key); // JSON only
	void text(std::string_view s); // text only, as it is

private:
	void member(const char *key); // comma and "key": before a JSON value
	void put_text(const char *fmt, const std::string &v);
	void field(Show s, const char *key, const char *fmt, const std::string &json_value,
		   const std::string &text_value);

	std::ostream &out_;
	bool json_;
	std::vector<bool> first_; // per open JSON object or array
};

// "\"...\"" with ", \ and control characters escaped.
std::string json_quote(std::string_view s);

// {"family":"inet","protocol":"tcp","address":"192.0.2.1","port":80} as
// member @key (JSON only).
void print_service_id(Printer &p, const char *key, const ServiceId &id);

} // namespace ncadm
