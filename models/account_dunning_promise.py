from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, format_date

PROMISE_CHANNELS = [
    ("call", "Phone call"),
    ("email", "Email"),
    ("letter", "Letter"),
    ("meeting", "Meeting"),
    ("portal", "Customer page"),
    ("other", "Other"),
]


class AccountDunningPromise(models.Model):
    """A customer's promise to pay an amount by a date.

    While open, its invoices get no reminder until the date plus the policy's
    grace days; the nightly run then marks it kept (paid) or broken, and a broken
    promise lets the next level go out at once.
    """

    _name = "account.dunning.promise"
    _description = "Promise of payment"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_promise_move_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        check_company=True,
        domain=lambda self: self._get_move_ids_domain(),
    )
    date = fields.Date(string="Promised date", required=True, tracking=True)
    amount = fields.Monetary(required=True, tracking=True)
    channel = fields.Selection(
        PROMISE_CHANNELS, required=True, default="call", string="Obtained by"
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Promised by",
        help="The person at the customer who made the promise.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("kept", "Kept"),
            ("broken", "Broken"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    amount_due_at_promise = fields.Monetary(
        string="Due when promised",
        readonly=True,
        help="What the invoices still owed when the promise was made: payments are "
        "measured against it.",
    )
    grace_date = fields.Date(
        string="Reminders resume after",
        compute="_compute_grace_date",
        store=True,
        help="Promised date plus the policy's grace days.",
    )
    closed_date = fields.Date(
        string="Checked on",
        readonly=True,
        help="Date of the run that found the promise kept or broken.",
    )
    action_id = fields.Many2one(
        "account.dunning.action",
        string="Call",
        readonly=True,
        ondelete="set null",
        help="The logged call in which the customer made the promise.",
    )
    note = fields.Text()

    # ------------------------------------------------------------
    # DEFAULT METHODS
    # ------------------------------------------------------------

    def _get_move_ids_domain(self):
        return self.env["account.dunning.rule"]._get_open_invoice_client_domain()

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("date", "partner_id", "company_id")
    def _compute_grace_date(self):
        for promise in self:
            if not promise.date:
                promise.grace_date = False
                continue
            company = promise.company_id or self.env.company
            policy = promise.partner_id._get_dunning_policy(company)
            promise.grace_date = promise.date + timedelta(days=policy.grace_days)

    @api.depends("partner_id", "date", "amount")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "%(partner)s: %(amount)s on %(date)s",
                partner=promise.partner_id.display_name or "",
                amount=format_amount(self.env, promise.amount, promise.currency_id),
                date=format_date(self.env, promise.date) if promise.date else "",
            )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("date", "amount", "move_ids", "state")
    def _check_promise(self):
        today = fields.Date.context_today(self)
        for promise in self.filtered(lambda p: p.state == "open"):
            currency = promise.currency_id
            if not promise.move_ids or currency.compare_amounts(promise.amount, 0) <= 0:
                raise ValidationError(
                    self.env._(
                        "A promise of payment needs invoices and an amount to pay."
                    )
                )
            if promise.date < today:
                raise ValidationError(
                    self.env._(
                        "The promised date %(date)s is in the past: ask the customer "
                        "for a date from today on.",
                        date=format_date(self.env, promise.date),
                    )
                )
            if promise.move_ids.commercial_partner_id != promise.partner_id:
                raise ValidationError(
                    self.env._(
                        "The invoices of a promise must all belong to its customer."
                    )
                )
            due = sum(promise.move_ids.mapped("amount_residual_signed"))
            if currency.compare_amounts(promise.amount, due) > 0:
                raise ValidationError(
                    self.env._(
                        "The customer promises %(amount)s but only %(due)s is due "
                        "on these invoices.",
                        amount=format_amount(self.env, promise.amount, currency),
                        due=format_amount(self.env, due, currency),
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        for promise in promises:
            promise.amount_due_at_promise = sum(
                promise.move_ids.mapped("amount_residual_signed")
            )
        return promises

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_cancel(self):
        self.filtered(lambda p: p.state == "open").state = "cancelled"
        return True

    def action_send_confirmation(self):
        """Open the composer with the written confirmation of the promise."""
        self.ensure_one()
        template = self.env.ref(
            "account_dunning.mail_template_dunning_promise", raise_if_not_found=False
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id if template else False,
                "default_composition_mode": "comment",
                "force_email": True,
            },
        }

    def action_open_moves(self):
        self.ensure_one()
        return self.move_ids._get_dunning_invoices_action(
            self.env._("Promised invoices")
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _send_confirmation(self):
        """Queue the written confirmation to the customer (mail queue)."""
        template = self.env.ref("account_dunning.mail_template_dunning_promise")
        for promise in self:
            promise.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment"
            )

    def _get_paid_amounts(self, date):
        """What was paid on each promise's invoices since the promise, as of `date`.

        The residual on `date` is today's residual plus what was reconciled after
        `date`, so a run for a past night sees that night's payments only.
        """
        lines = self.move_ids.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        later = dict(
            self.env["account.partial.reconcile"]._read_group(
                [("debit_move_id", "in", lines.ids), ("max_date", ">", date)],
                ["debit_move_id"],
                ["amount:sum"],
            )
        )
        later_by_move = defaultdict(float)
        for line, amount in later.items():
            later_by_move[line.move_id.id] += amount
        paid = {}
        for promise in self:
            residual = sum(
                move.amount_residual_signed + later_by_move[move.id]
                for move in promise.move_ids
            )
            paid[promise.id] = promise.amount_due_at_promise - residual
        return paid

    @api.model
    def _cron_check_promises(self, company, date, in_part=None):
        """Mark the open promises of `company` kept (paid) or broken (the grace
        period ended on `date` unpaid). Called once per run, before escalation;
        `in_part` keeps the customers of one part of a nightly run."""
        promises = self.search(
            [("company_id", "=", company.id), ("state", "=", "open")]
        )
        if in_part:
            promises = promises.filtered(lambda p: in_part(p.partner_id))
        if not promises:
            return self
        paid = promises._get_paid_amounts(date)
        currency = company.currency_id
        kept = promises.filtered(
            lambda p: currency.compare_amounts(paid[p.id], p.amount) >= 0
        )
        broken = (promises - kept).filtered(lambda p: p.grace_date < date)
        kept.write({"state": "kept", "closed_date": date})
        broken.write({"state": "broken", "closed_date": date})
        broken._notify_broken()
        return broken

    def _notify_broken(self):
        """A to-do for the responsible and a note on the customer."""
        if not self:
            return
        todo = self.env.ref("mail.mail_activity_data_todo")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        vals_list = []
        bodies = defaultdict(list)
        for promise in self:
            message = self.env._(
                "Broken promise of payment: %(amount)s promised for %(date)s on "
                "%(invoices)s was not paid.",
                amount=format_amount(self.env, promise.amount, promise.currency_id),
                date=format_date(self.env, promise.date),
                invoices=", ".join(promise.move_ids.mapped("name")),
            )
            bodies[promise.partner_id.id].append(message)
            user = (
                promise.user_id
                or promise.partner_id.with_company(
                    promise.company_id
                )._get_dunning_responsible()
            )
            vals_list.append(
                {
                    "res_model_id": partner_model,
                    "res_id": promise.partner_id.id,
                    "activity_type_id": todo.id,
                    "summary": self.env._("Broken promise of payment"),
                    "note": message,
                    "date_deadline": promise.closed_date or fields.Date.today(),
                    "user_id": user.id or self.env.uid,
                }
            )
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            vals_list
        )
        self.env["res.partner"].browse(bodies)._message_log_batch(
            {pid: "\n".join(messages) for pid, messages in bodies.items()}
        )
