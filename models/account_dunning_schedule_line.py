import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_amount, format_date

_logger = logging.getLogger(__name__)


class AccountDunningScheduleLine(models.Model):
    """One instalment; payments on the schedule's invoices pay the instalments
    in date order."""

    _name = "account.dunning.schedule.line"
    _description = "Payment schedule instalment"
    _order = "schedule_id, date, sequence, id"

    schedule_id = fields.Many2one(
        "account.dunning.schedule", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="schedule_id.company_id", store=True)
    currency_id = fields.Many2one(related="schedule_id.currency_id")
    partner_id = fields.Many2one(related="schedule_id.partner_id", store=True)
    sequence = fields.Integer(default=10)
    is_down_payment = fields.Boolean(string="Down payment")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    paid_amount = fields.Monetary(
        string="Paid", compute="_compute_paid_amount", store=True
    )
    state = fields.Selection(
        [("pending", "To pay"), ("partial", "Partly paid"), ("paid", "Paid")],
        compute="_compute_paid_amount",
        store=True,
    )
    is_late = fields.Boolean(string="Late", compute="_compute_is_late")
    reminder_sent = fields.Boolean(readonly=True, copy=False)
    paid_notified = fields.Boolean(readonly=True, copy=False)

    @api.depends(
        "amount",
        "date",
        "schedule_id.amount_start",
        "schedule_id.move_ids.amount_residual",
    )
    def _compute_paid_amount(self):
        """Allocate what was paid on the invoices since the schedule was made to
        the instalments, oldest first."""
        for schedule, lines in self.grouped("schedule_id").items():
            currency = schedule.currency_id
            paid = max(
                0.0,
                schedule.amount_start
                - sum(schedule.move_ids.mapped("amount_residual")),
            )
            for line in schedule.line_ids.sorted(lambda x: (x.date, x.sequence, x.id)):
                allocated = min(paid, line.amount)
                paid = currency.round(paid - allocated)
                if line in lines:
                    line.paid_amount = allocated
                    if currency.compare_amounts(allocated, line.amount) >= 0:
                        line.state = "paid"
                    elif currency.compare_amounts(allocated, 0) > 0:
                        line.state = "partial"
                    else:
                        line.state = "pending"
        for line in self.filtered(lambda x: not x.schedule_id):
            line.paid_amount = 0.0
            line.state = "pending"

    @api.depends("date", "state", "schedule_id.policy_id.grace_days")
    def _compute_is_late(self):
        today = fields.Date.context_today(self)
        for line in self:
            grace = timedelta(days=line.schedule_id.policy_id.grace_days)
            line.is_late = bool(
                line.date and line.state != "paid" and line.date + grace < today
            )

    def _send_reminders(self):
        """A reminder email a few days before each instalment."""
        if not self:
            return
        template = self.env.ref(
            "account_dunning.mail_template_dunning_schedule_instalment",
            raise_if_not_found=False,
        )
        reachable = self.filtered(lambda line: line.partner_id.email)
        if template and reachable:
            try:
                with self.env.cr.savepoint():
                    template.send_mail_batch(reachable.ids)
            except Exception:  # noqa: BLE001 - a broken template must not stop the run
                _logger.exception("Payment schedule reminder failed")
                reachable = self.browse()
        reachable.write({"reminder_sent": True})
        messages = {}
        for line in self:
            message = self.env._(
                "Reminder of the payment of %(amount)s due on %(date)s under "
                "schedule %(name)s.",
                amount=format_amount(
                    self.env, line.amount - line.paid_amount, line.currency_id
                ),
                date=format_date(self.env, line.date),
                name=line.schedule_id.name,
            )
            if line not in reachable:
                message = self.env._(
                    "%(message)s (no email sent: the customer has no email " "address)",
                    message=message,
                )
            messages[line.schedule_id.id] = (
                messages[line.schedule_id.id] + " " + message
                if line.schedule_id.id in messages
                else message
            )
        self.schedule_id._log_on_partners(messages)
