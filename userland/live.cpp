// SPDX-License-Identifier: GPL-2.0
#include "live.hpp"

#include "parse.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace ncadm {

namespace {

std::string endpoint_text(const Endpoint &e)
{
	std::string a = e.addr.af == AF_INET6 ? "[" + e.addr.str() + "]" : e.addr.str();
	return a + ":" + std::to_string(e.port);
}

// [#######|     ]: '#' the share of the classes, '|' the share of the
// weights, in @w cells.
std::string share_bar(double classes, double weights, unsigned w)
{
	std::string bar(w, ' ');
	const auto cells = [w](double f) { return static_cast<unsigned>(std::min(1.0, std::max(0.0, f)) * w + 0.5); };
	std::fill(bar.begin(), bar.begin() + cells(classes), '#');
	const unsigned mark = std::min(cells(weights), w ? w - 1 : 0);
	if (w)
		bar[mark] = '|';
	return "[" + bar + "]";
}

std::string rate_line(const NcSummary &s, const std::vector<NcSummary> *before, double secs)
{
	if (!s.nc)
		return "";
	const NcService *was = nullptr;
	for (size_t i = 0; before && i < before->size(); i++)
		if ((*before)[i].nc && (*before)[i].id.str() == s.id.str())
			was = &*(*before)[i].nc;
	if (!was || secs <= 0)
		return "  rates: first refresh";
	const auto rate = [&](uint64_t NcStats::*f) {
		const uint64_t now = s.nc->stats.*f, then = was->stats.*f;
		char buf[32];
		std::snprintf(buf, sizeof(buf), "%.1f/s", now >= then ? static_cast<double>(now - then) / secs : 0.0);
		return std::string(buf);
	};
	return "  lookups " + rate(&NcStats::lookups) + "  new " + rate(&NcStats::new_classes) + "  repicked " +
	       rate(&NcStats::repicked) + "  expired " + rate(&NcStats::expired);
}

void add_line(std::string &screen, unsigned &lines, unsigned width, unsigned height, const std::string &line)
{
	if (lines >= height)
		return;
	screen += line.substr(0, width) + "\n";
	lines++;
}

void render_service(std::string &screen, unsigned &lines, const NcSummary &s, const std::vector<NcSummary> *before,
		    double secs, unsigned width, unsigned height)
{
	char buf[256];
	const auto line = [&](const std::string &l) { add_line(screen, lines, width, height, l); };
	line(s.id.str() + (s.engine ? " pe nc" : " nc") + ": " + std::to_string(s.classes) + " classes" +
	     rate_line(s, before, secs));
	std::snprintf(buf, sizeof(buf), "  %-24s %6s %8s %10s  %s", "Server", "Weight", "Classes", "Conns",
		      "classes # vs weight |");
	line(buf);
	for (const auto &l : s.servers) {
		std::snprintf(buf, sizeof(buf), "  %-24s %6d %8llu %10llu  %s%s", endpoint_text(l.server).c_str(),
			      l.weight, static_cast<unsigned long long>(l.classes),
			      static_cast<unsigned long long>(l.conns),
			      share_bar(l.class_share, l.weight_share, 20).c_str(), l.draining() ? " draining" : "");
		line(buf);
	}
	std::snprintf(buf, sizeof(buf), "  %-24s %-24s %10s", s.engine ? "Heaviest class (open)" : "Heaviest class",
		      "Server", "Conns");
	line(buf);
	for (const auto &c : s.top) {
		std::snprintf(buf, sizeof(buf), "  %-24s %-24s %10llu", c.cls.str().c_str(),
			      endpoint_text(c.server).c_str(), static_cast<unsigned long long>(c.conns));
		line(buf);
	}
	line("");
}

// The terminal in raw mode (no echo, a key at a time), cursor hidden,
// for the life of the object; given back as it was, whatever happens.
class RawTerminal {
public:
	RawTerminal()
	{
		if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO))
			throw UsageError("--nc-top needs a terminal (--nc-summary prints the same once)");
		if (::tcgetattr(STDIN_FILENO, &saved_) != 0)
			throw std::runtime_error("cannot read the terminal's settings");
		termios raw = saved_;
		raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
		std::fputs("\033[?25l", stdout);
	}
	~RawTerminal()
	{
		std::fputs("\033[?25h\n", stdout);
		std::fflush(stdout);
		::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
	}
	RawTerminal(const RawTerminal &) = delete;
	RawTerminal &operator=(const RawTerminal &) = delete;

	// Wait up to @ms for a key; true when it is 'q' or input ended.
	bool quit_within(int ms)
	{
		const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
		for (;;) {
			const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
				end - std::chrono::steady_clock::now());
			pollfd p{STDIN_FILENO, POLLIN, 0};
			const int n = ::poll(&p, 1, static_cast<int>(std::max<long>(0, left.count())));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return false;
			char c = 0;
			if (::read(STDIN_FILENO, &c, 1) <= 0 || c == 'q' || c == 'Q')
				return true;
		}
	}

	static std::pair<unsigned, unsigned> size()
	{
		winsize ws{};
		if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || !ws.ws_col || !ws.ws_row)
			return {80, 24};
		return {ws.ws_col, ws.ws_row};
	}

private:
	termios saved_{};
};

} // namespace

std::string render_live(const std::vector<NcSummary> &now, const std::vector<NcSummary> *before, double secs,
			unsigned width, unsigned height)
{
	std::string screen;
	unsigned lines = 0;
	char head[128];
	const std::time_t t = std::time(nullptr);
	std::strftime(head, sizeof(head), "ncadm --nc-top  %H:%M:%S  (q quits)", std::localtime(&t));
	add_line(screen, lines, width, height, head);
	add_line(screen, lines, width, height, "");
	if (now.empty())
		add_line(screen, lines, width, height, "no -s nc or --pe nc service");
	for (const auto &s : now)
		render_service(screen, lines, s, before, secs, width, height);
	return screen;
}

void run_live(const std::function<std::vector<NcSummary>(double secs)> &fetch, unsigned interval_s)
{
	RawTerminal term;
	std::vector<NcSummary> before;
	double secs = 0;
	for (;;) {
		const auto started = std::chrono::steady_clock::now();
		std::vector<NcSummary> now = fetch(secs);
		const auto [w, h] = RawTerminal::size();
		const std::string screen = render_live(now, secs > 0 ? &before : nullptr, secs, w, h - 1);
		std::fputs("\033[H\033[2J", stdout);
		std::fputs(screen.c_str(), stdout);
		std::fflush(stdout);
		before = std::move(now);
		if (term.quit_within(static_cast<int>(interval_s * 1000)))
			return;
		secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
	}
}

} // namespace ncadm
