// SPDX-License-Identifier: GPL-2.0
/*
 * kwarn: a test-only module whose load triggers a kernel WARNING, to prove
 * that tests/vm/run fails a test whose kernel log has a report in it; with
 * leak=1 it leaks one allocation instead, to prove the same for kmemleak
 * on the debug kernel (tests/debug-kernel/check).
 */
#include <linux/module.h>
#include <linux/bug.h>
#include <linux/slab.h>

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak 200 bytes instead of warning");

static int __init kwarn_init(void)
{
	if (leak) {
		void *p = kmalloc(200, GFP_KERNEL);

		/* Keep p alive until here, then forget it: a leak for kmemleak. */
		pr_info("kwarn: leaking %p on purpose\n", p);
		return 0;
	}
	WARN(1, "kwarn: deliberate warning to test the kernel log check\n");
	return 0;
}

static void __exit kwarn_exit(void)
{
}

module_init(kwarn_init);
module_exit(kwarn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("test module: provokes one kernel WARNING (or a leak) on load");
