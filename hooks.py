def post_init_hook(env):
    """Companies that exist before the install get their own default policies."""
    env["res.company"].search([])._dunning_create_default_policies()


def uninstall_hook(env):
    """The engine's index is on a core table: it would outlive the addon."""
    env.cr.execute("DROP INDEX IF EXISTS account_move_dunning_open_idx")
