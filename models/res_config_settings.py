from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    dunning_policy_id = fields.Many2one(
        related="company_id.dunning_policy_id", readonly=False
    )
    dunning_user_id = fields.Many2one(
        related="company_id.dunning_user_id", readonly=False
    )
    dunning_fixed_fee_amount = fields.Monetary(
        related="company_id.dunning_fixed_fee_amount", readonly=False
    )
    dunning_terms_file = fields.Binary(
        related="company_id.dunning_terms_file", readonly=False
    )
    dunning_terms_filename = fields.Char(
        related="company_id.dunning_terms_filename", readonly=False
    )
    dunning_start_mode = fields.Selection(
        related="company_id.dunning_start_mode", readonly=False
    )
