from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Lifecycle statuses of an e-invoice as the platforms send them (DOMAIN.md §8,
# DGFiP/AIFE external specifications); 200, 210, 212 and 213 are mandatory.
EINVOICE_STATUSES = [
    ("200", "200 Deposited"),
    ("201", "201 Issued by the platform"),
    ("202", "202 Received by the platform"),
    ("203", "203 Made available to the buyer"),
    ("204", "204 Taken over by the buyer"),
    ("205", "205 Approved"),
    ("206", "206 Partly approved"),
    ("207", "207 In dispute"),
    ("208", "208 Suspended"),
    ("209", "209 Completed"),
    ("210", "210 Refused"),
    ("211", "211 Payment transmitted"),
    ("212", "212 Paid (cashed)"),
    ("213", "213 Rejected by the platform"),
    ("220", "220 Cancelled"),
    ("225", "225 Factored"),
    ("226", "226 Factored (confidential)"),
]
# What the escalation rule does with an invoice whose latest status is one of
# these (`account.dunning.rule._get_move_skip_cause`): refused by the buyer or
# rejected by the platform, no reminder at all; in dispute, suspended or
# collected by a factor, no reminder while it lasts; payment transmitted, no
# reminder for the company's grace days after it was received.
EINVOICE_REFUSED = ("210", "213")
EINVOICE_PAUSED = ("207", "208", "225", "226")
EINVOICE_PAYMENT_SENT = "211"
EINVOICE_PAID = "212"
# Statuses that prove the buyer received the invoice, best proof first: the
# formal notice quotes it (DOMAIN.md §8).
EINVOICE_RECEIPT_PROOFS = ("203", "204", "202", "201", "200")


class AccountDunningEinvoiceStatus(models.Model):
    """A lifecycle status of a customer invoice received from the buyer's
    e-invoicing platform, one row per status: entered by hand on the invoice,
    or imported with Odoo's standard import (invoice number, code, date
    received, amount). The invoice keeps the latest one; the reminders read it
    (refused, suspended, partly paid) and the formal notice quotes the
    proof of receipt."""

    _name = "account.dunning.einvoice.status"
    _description = "E-invoice lifecycle status"
    _order = "date desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    company_id = fields.Many2one(
        related="move_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id", string="Customer", store=True
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    code = fields.Selection(EINVOICE_STATUSES, string="Status", required=True)
    date = fields.Datetime(
        string="Received on",
        required=True,
        default=fields.Datetime.now,
        help="When the platform issued the status (its timestamp).",
    )
    amount = fields.Monetary(
        help="Amount the buyer paid, for status 212 (paid): reminders go on for "
        "the rest only.",
    )
    note = fields.Char(help="Reason given by the buyer or the platform.")

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("code", "amount")
    def _check_amount(self):
        for status in self:
            if status.code == EINVOICE_PAID and status.amount <= 0:
                raise ValidationError(
                    self.env._(
                        "Status 212 (paid) of %(invoice)s needs the amount paid.",
                        invoice=status.move_id.display_name,
                    )
                )
            if status.amount < 0:
                raise ValidationError(
                    self.env._("The amount of a status cannot be negative.")
                )

    @api.constrains("move_id")
    def _check_move(self):
        for status in self:
            if status.move_id.move_type != "out_invoice":
                raise ValidationError(
                    self.env._(
                        "E-invoicing statuses are recorded on customer invoices "
                        "only: %(move)s is not one.",
                        move=status.move_id.display_name,
                    )
                )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_latest(self, statuses):
        """(the latest of `statuses`, the total they report paid): what the
        invoice keeps of its platform's statuses."""
        latest = statuses.sorted(lambda s: (s.date or datetime.min, s._origin.id or 0))[
            -1:
        ]
        paid = sum(
            statuses.filtered(lambda s: s.code == EINVOICE_PAID).mapped("amount")
        )
        return latest, paid
