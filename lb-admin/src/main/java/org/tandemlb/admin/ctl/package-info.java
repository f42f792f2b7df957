/**
 * {@code tandem ctl}: the admin API (docs/admin-api.md) from the shell.
 * {@link org.tandemlb.admin.ctl.CtlCommand} is the parent command (its options say where the
 * daemon is and its token; the subcommands that change servers and reload are its methods), the
 * read-only subcommands are classes ({@code CtlStatusCommand}, {@code CtlServersCommand}), and
 * {@link org.tandemlb.admin.ctl.AdminClient} is the HTTP client they share.
 */
package org.tandemlb.admin.ctl;
