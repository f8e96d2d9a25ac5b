from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_schedule_id = fields.Many2one(
        "account.dunning.schedule",
        string="Payment schedule",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="Payment schedule agreed with the customer for this invoice: while it "
        "is honoured the invoice gets no ordinary reminder.",
    )
    dunning_schedule_state = fields.Selection(related="dunning_schedule_id.state")

    @api.model
    def _get_dunning_read_fields(self):
        return [*super()._get_dunning_read_fields(), "dunning_schedule_id"]

    def action_open_dunning_schedule(self):
        self.ensure_one()
        return self.dunning_schedule_id._get_form_action()
