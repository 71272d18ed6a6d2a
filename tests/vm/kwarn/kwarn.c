// SPDX-License-Identifier: GPL-2.0
/*
 * kwarn: a test-only module whose load triggers a kernel WARNING, to prove
 * that tests/vm/run fails a test whose kernel log has a report in it.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init kwarn_init(void)
{
	WARN(1, "kwarn: deliberate warning to test the kernel log check\n");
	return 0;
}

static void __exit kwarn_exit(void)
{
}

module_init(kwarn_init);
module_exit(kwarn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test module: provokes one kernel WARNING on load");
