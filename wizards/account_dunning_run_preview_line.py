from odoo import fields, models

from ..models.account_dunning_action import CHANNELS


class AccountDunningRunPreviewLine(models.TransientModel):
    """A reminder tonight's run would create: one customer, one channel."""

    _name = "account.dunning.run.preview.line"
    _description = "Reminder of tonight's dunning run"
    _order = "id"

    preview_id = fields.Many2one(
        "account.dunning.run.preview", required=True, ondelete="cascade", index=True
    )
    currency_id = fields.Many2one(related="preview_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_run_preview_line_move_rel",
        "line_id",
        "move_id",
        string="Invoices",
        readonly=True,
    )
    level_id = fields.Many2one("account.dunning.level", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    amount_due = fields.Monetary(string="Amount claimed", readonly=True)
    outcome = fields.Selection(
        [
            ("send", "Goes out by itself"),
            ("confirm", "To confirm"),
            ("join", "Joins the formal notice awaiting approval"),
            ("fail", "Cannot be sent"),
        ],
        readonly=True,
    )
    reason = fields.Char(string="Why it cannot be sent", readonly=True)
