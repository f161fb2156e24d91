// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconn: TCP connection-table diagnostics.
 *
 * Registration order is pernet /proc first, then the netlink family, then
 * the /proc/tcpconn symlink; exit and the init error path undo them in the
 * reverse order, so no interface is reachable while what backs it is gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/proc_fs.h>
#include <net/genetlink.h>
#include <linux/tcpconn.h>

#include "tcpconn.h"

static struct proc_dir_entry *tcpconn_proc_link;

static int __init tcpconn_init(void)
{
	int err;

	err = tcpconn_proc_init();
	if (err)
		return err;
	err = tcpconn_netlink_init();
	if (err)
		goto err_proc;
	/* /proc/tcpconn follows /proc/net, i.e. the reader's own netns. */
	tcpconn_proc_link = proc_symlink("tcpconn", NULL, "net/tcpconn");
	if (!tcpconn_proc_link) {
		err = -ENOMEM;
		goto err_netlink;
	}
	return 0;

err_netlink:
	tcpconn_netlink_exit();
err_proc:
	tcpconn_proc_exit();
	return err;
}

static void __exit tcpconn_exit(void)
{
	proc_remove(tcpconn_proc_link);
	tcpconn_netlink_exit();
	tcpconn_proc_exit();
}

module_init(tcpconn_init);
module_exit(tcpconn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TCP connection-table diagnostics: listener queues, TIME_WAIT, orphans");
MODULE_AUTHOR("tcpconn developers");
MODULE_VERSION(TCPCONN_VERSION);
MODULE_ALIAS_GENL_FAMILY(TCPCONN_GENL_NAME);
