// SPDX-License-Identifier: GPL-2.0
//
// What each ncadm command does, given its checked command line: one
// handler per row of the command table (cli.cpp). A handler talks to the
// kernel through families.hpp and leaves no half-applied state: a service
// added with -A whose nc policy the kernel refuses is removed again.
#pragma once

#include "netlink.hpp"
#include "options.hpp"

#include <functional>
#include <string>

namespace ncadm {

int cmd_add_service(const Options &o);
int cmd_edit_service(const Options &o);
int cmd_delete_service(const Options &o);
int cmd_clear(const Options &o);
int cmd_add_server(const Options &o);
int cmd_edit_server(const Options &o);
int cmd_delete_server(const Options &o);
int cmd_list(const Options &o);
int cmd_save(const Options &o);
int cmd_zero(const Options &o);
int cmd_set_timeouts(const Options &o);
int cmd_start_daemon(const Options &o);
int cmd_stop_daemon(const Options &o);
int cmd_nc_table(const Options &o);
int cmd_nc_flush(const Options &o);
int cmd_nc_summary(const Options &o);
int cmd_nc_metrics(const Options &o);
int cmd_nc_top(const Options &o);
int cmd_nc_pin(const Options &o);
int cmd_nc_unpin(const Options &o);
int cmd_nc_move(const Options &o);
int cmd_nc_save_table(const Options &o);
int cmd_nc_entry(const Options &o);

// Run @f; a KernelError it throws comes out reworded for an operator and
// prefixed with @doing. @enoent: what ENOENT means for this request.
void with_context(const std::string &doing, const std::function<void()> &f, const std::string &enoent = "");

} // namespace ncadm
