// SPDX-License-Identifier: GPL-2.0
//
// ncadm - administer IPVS virtual services that use the natural-class
// scheduler. This is the skeleton of the tool: option parsing and the one
// place that turns errors into a message and an exit status. The ipvsadm
// commands and the nc policy follow (see docs/design.md).
#include <boost/program_options.hpp>

#include <iostream>
#include <stdexcept>
#include <string>

namespace po = boost::program_options;

namespace {

// A problem the user can fix; printed as one line, exit status 2.
struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

int run(int argc, char **argv)
{
	po::options_description opts("Options");
	opts.add_options()
		("help,h", "show this help")
		("version,V", "show the version");

	po::variables_map vm;
	try {
		po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
		po::notify(vm);
	} catch (const po::error &e) {
		throw UsageError(e.what());
	}

	if (vm.count("help")) {
		std::cout << "Usage: ncadm [options]\n" << opts;
		return 0;
	}
	if (vm.count("version")) {
		std::cout << "ncadm " NCADM_VERSION "\n";
		return 0;
	}
	throw UsageError("no command given; this version of ncadm only has --help and --version "
			 "(use ipvsadm for services)");
}

} // namespace

int main(int argc, char **argv)
{
	try {
		return run(argc, argv);
	} catch (const UsageError &e) {
		std::cerr << "ncadm: " << e.what() << '\n';
		return 2;
	} catch (const std::exception &e) {
		std::cerr << "ncadm: " << e.what() << '\n';
		return 1;
	}
}
