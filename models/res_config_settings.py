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
    dunning_fdm_method = fields.Selection(
        related="company_id.dunning_fdm_method", readonly=False
    )
    dunning_fdm_payment_term_id = fields.Many2one(
        related="company_id.dunning_fdm_payment_term_id"
    )
    dunning_sector = fields.Selection(
        related="company_id.dunning_sector", readonly=False
    )
    dunning_transport_payment_term_id = fields.Many2one(
        related="company_id.dunning_transport_payment_term_id"
    )
    dunning_einvoice_grace_days = fields.Integer(
        related="company_id.dunning_einvoice_grace_days", readonly=False
    )

    def set_values(self):
        res = super().set_values()
        # the payment terms the settings describe, created or updated
        self.company_id._dunning_sync_payment_terms()
        return res

    dunning_start_mode = fields.Selection(
        related="company_id.dunning_start_mode", readonly=False
    )
    dunning_call_monday = fields.Boolean(
        related="company_id.dunning_call_monday", readonly=False
    )
    dunning_call_tuesday = fields.Boolean(
        related="company_id.dunning_call_tuesday", readonly=False
    )
    dunning_call_wednesday = fields.Boolean(
        related="company_id.dunning_call_wednesday", readonly=False
    )
    dunning_call_thursday = fields.Boolean(
        related="company_id.dunning_call_thursday", readonly=False
    )
    dunning_call_friday = fields.Boolean(
        related="company_id.dunning_call_friday", readonly=False
    )
    dunning_call_saturday = fields.Boolean(
        related="company_id.dunning_call_saturday", readonly=False
    )
    dunning_call_hour_from = fields.Float(
        related="company_id.dunning_call_hour_from", readonly=False
    )
    dunning_call_hour_to = fields.Float(
        related="company_id.dunning_call_hour_to", readonly=False
    )
    dunning_call_lunch_from = fields.Float(
        related="company_id.dunning_call_lunch_from", readonly=False
    )
    dunning_call_lunch_to = fields.Float(
        related="company_id.dunning_call_lunch_to", readonly=False
    )
    dunning_call_max_attempts = fields.Integer(
        related="company_id.dunning_call_max_attempts", readonly=False
    )
    dunning_cure_days = fields.Integer(
        related="company_id.dunning_cure_days", readonly=False
    )
