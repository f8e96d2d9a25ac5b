def post_init_hook(env):
    """Companies that exist before the install get their own default policies."""
    env["res.company"].search([])._dunning_create_default_policies()
