from odoo import fields, models

REASON_CATEGORIES = [
    ("benign", "Benign"),
    ("dispute", "Dispute"),
    ("financial", "Financial difficulty"),
    ("administrative", "Administrative problem"),
    ("bad_faith", "Bad faith"),
]


class AccountDunningReason(models.Model):
    """Why a customer does not pay, or what they say, with the answer to give.

    The credit controller picks one when logging a call or opening a dispute;
    a reason that pauses reminders stops them on the disputed invoices.
    """

    _name = "account.dunning.reason"
    _description = "Non-payment reason or customer excuse"
    _order = "kind, sequence, id"

    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(
        [("reason", "Reason"), ("excuse", "Customer excuse")],
        required=True,
        default="reason",
        help="A reason is the real cause of the delay; an excuse is what the "
        "customer says on the phone.",
    )
    category = fields.Selection(REASON_CATEGORIES, required=True, default="benign")
    pauses_dunning = fields.Boolean(
        string="Pauses reminders",
        help="While a dispute with this reason is open, its invoices get no reminder.",
    )
    customer_facing = fields.Boolean(
        string="On the customer page",
        help="Offered to customers who dispute invoices on their page (the link "
        "in every reminder); word it as the customer would.",
    )
    suggested_response = fields.Text(
        string="Answer to give",
        translate=True,
        help="What to answer the customer and do next.",
    )
    suggested_action = fields.Selection(
        [
            ("duplicate", "Send a duplicate of the invoice"),
            ("transfer", "Ask for a bank transfer"),
            ("promise", "Obtain a dated promise of payment"),
            ("call_back", "Call back"),
            ("written_confirmation", "Obtain a written confirmation"),
            ("new_invoice", "Issue a corrected invoice"),
            ("delivery_note", "Send the delivery note"),
            ("schedule", "Negotiate a payment schedule"),
            ("dispute", "Open a dispute"),
            ("formal_notice", "Send a formal notice"),
        ],
        string="Suggested action",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the reason between companies.",
    )
