"""Payment schedules: over 600 lines because the schedule, the checks of its
instalments and its nightly follow-up (instalment reminders, notice of default
and acceleration) are one model, in one file."""

import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

from ..lib.formats import amount_in_words

_logger = logging.getLogger(__name__)

# Schedules whose invoices are held out of the ordinary reminders (or may not
# join another schedule).
OPEN_SCHEDULE_STATES = ("draft", "active")
# A payment plan may not run over more than two years (legal limit).
MAX_SCHEDULE_YEARS = 2


class AccountDunningSchedule(models.Model):
    """A payment schedule (échéancier) agreed with a customer in difficulty.

    Signed by the customer it is an acknowledgement of the debt; while it is
    honoured its invoices get no ordinary reminder, and a missed instalment
    makes the whole balance due (acceleration clause): the invoices then go
    straight to the formal notice.
    """

    _name = "account.dunning.schedule"
    _description = "Payment schedule"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user
    )
    policy_id = fields.Many2one(
        "account.dunning.policy",
        compute="_compute_policy_id",
        store=True,
        readonly=False,
        check_company=True,
        help="Gives the grace after each instalment date and the days of notice "
        "before each instalment reminder.",
    )
    move_ids = fields.Many2many(
        "account.move",
        "account_dunning_schedule_move_rel",
        "schedule_id",
        "move_id",
        string="Invoices",
        check_company=True,
    )
    line_ids = fields.One2many(
        "account.dunning.schedule.line", "schedule_id", string="Instalments", copy=True
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("done", "Done"),
            ("defaulted", "Defaulted"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    date = fields.Date(
        string="Negotiated on", required=True, default=fields.Date.context_today
    )
    amount_start = fields.Monetary(
        string="Amount due at start",
        readonly=True,
        help="What the invoices still owed when the schedule was made: payments "
        "made since then pay the instalments, oldest first.",
    )
    penalty_amount = fields.Monetary(
        string="Penalties included",
        readonly=True,
        help="Late-payment penalties claimed on a debit note included in the "
        "schedule.",
    )
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True
    )
    paid_amount = fields.Monetary(string="Paid", compute="_compute_amounts", store=True)
    residual_amount = fields.Monetary(
        string="Remaining", compute="_compute_amounts", store=True
    )
    due_amount = fields.Monetary(
        string="Due to date",
        compute="_compute_progress",
        help="Unpaid part of the instalments whose date has come.",
    )
    late_amount = fields.Monetary(
        string="Late",
        compute="_compute_progress",
        help="Unpaid part of the instalments past their date and the grace days.",
    )
    progress = fields.Float(compute="_compute_progress", string="Paid (%)")
    date_first = fields.Date(
        string="First payment", compute="_compute_dates", store=True
    )
    date_last = fields.Date(string="Last payment", compute="_compute_dates", store=True)
    payment_method = fields.Char(
        default=lambda self: self.env._("Bank transfer"),
        help="How the customer pays the instalments, as written in the agreement.",
    )
    agreement_date = fields.Date(
        string="Agreement date",
        copy=False,
        tracking=True,
        help="Date the customer signed the schedule.",
    )
    agreement_file = fields.Binary(
        string="Signed agreement", attachment=True, copy=False
    )
    agreement_filename = fields.Char(copy=False)
    notice_date = fields.Date(
        string="Notice of default sent on",
        readonly=True,
        copy=False,
        tracking=True,
        help="A private person is first given notice of a missed payment and a "
        "cure period; the schedule may be accelerated only once it is over.",
    )
    acceleration_date = fields.Date(
        string="Acceleration possible from",
        readonly=True,
        copy=False,
        help="End of the cure period given by the notice of default: if the "
        "missed payment is still unpaid that day, the whole balance becomes due.",
    )
    default_date = fields.Date(string="Defaulted on", readonly=True, copy=False)
    default_line_id = fields.Many2one(
        "account.dunning.schedule.line",
        string="Missed instalment",
        readonly=True,
        copy=False,
    )
    note = fields.Html(string="Internal note")

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("partner_id", "company_id")
    def _compute_policy_id(self):
        for schedule in self:
            schedule.policy_id = schedule.partner_id._get_dunning_policy(
                schedule.company_id
            )

    @api.depends("line_ids.amount", "line_ids.paid_amount")
    def _compute_amounts(self):
        for schedule in self:
            schedule.amount_total = sum(schedule.line_ids.mapped("amount"))
            schedule.paid_amount = sum(schedule.line_ids.mapped("paid_amount"))
            schedule.residual_amount = schedule.amount_total - schedule.paid_amount

    @api.depends("line_ids.date")
    def _compute_dates(self):
        for schedule in self:
            dates = schedule.line_ids.mapped("date")
            schedule.date_first = min(dates) if dates else False
            schedule.date_last = max(dates) if dates else False

    @api.depends_context("dunning_schedule_date")
    @api.depends("line_ids.date", "line_ids.amount", "line_ids.paid_amount", "state")
    def _compute_progress(self):
        for schedule in self:
            today = schedule._get_progress_date()
            grace = timedelta(days=schedule.policy_id.grace_days)
            due = late = 0.0
            for line in schedule.line_ids:
                unpaid = line.amount - line.paid_amount
                if line.date <= today:
                    due += unpaid
                if line.date + grace < today:
                    late += unpaid
            schedule.due_amount = due
            schedule.late_amount = late
            schedule.progress = (
                100.0 * schedule.paid_amount / schedule.amount_total
                if schedule.amount_total
                else 0.0
            )

    def _get_progress_date(self):
        date = self.env.context.get("dunning_schedule_date")
        return fields.Date.to_date(date) if date else fields.Date.context_today(self)

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("line_ids", "amount_start", "date", "state")
    def _check_instalments(self):
        """A draft or active schedule holds instalments that pay exactly what
        was due when it was made, each more than zero, on increasing dates
        within two years: the wizard's checks, whoever edits the schedule, and
        again when it becomes active."""
        for schedule in self.filtered(lambda s: s.state in OPEN_SCHEDULE_STATES):
            errors = schedule._get_instalment_errors(
                [(line.date, line.amount) for line in schedule.line_ids],
                schedule.amount_start,
                schedule.currency_id,
                schedule.date,
            )
            if errors:
                raise ValidationError(
                    self.env._(
                        "Payment schedule %(name)s:\n%(errors)s",
                        name=schedule.name,
                        errors="\n".join(errors),
                    )
                )

    @api.constrains("state", "default_date")
    def _check_cure_period(self):
        """A private person's schedule is never accelerated before the cure
        period after the notice of default is over (DOMAIN.md §5, T18)."""
        Rule = self.env["account.dunning.consumer.rule"]
        for schedule in self.filtered(lambda s: s.state == "defaulted"):
            if not Rule._get_cure_days(schedule.partner_id, schedule.company_id):
                continue
            day = schedule.default_date or fields.Date.context_today(schedule)
            # the date the notice gave, whatever the setting became since
            allowed = schedule.acceleration_date
            if not schedule.notice_date or not allowed or day < allowed:
                raise ValidationError(
                    self.env._(
                        "Payment schedule %(name)s of a private person cannot be "
                        "accelerated before the end of the cure period after the "
                        "notice of default (%(days)s days: not before %(date)s).",
                        name=schedule.name,
                        days=Rule._get_cure_days(
                            schedule.partner_id, schedule.company_id
                        ),
                        date=format_date(self.env, allowed) if allowed else "-",
                    )
                )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "account.dunning.schedule"
                ) or self.env._("New")
        schedules = super().create(vals_list)
        schedules._check_moves_available()
        for schedule in schedules:
            schedule.move_ids.write({"dunning_schedule_id": schedule.id})
        return schedules

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        if any(schedule.state != "draft" for schedule in self):
            raise UserError(
                self.env._(
                    "Only draft schedules can be deleted; cancel the others instead."
                )
            )

    def unlink(self):
        self._release_moves()
        return super().unlink()

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_activate(self):
        """The customer signed: the schedule now holds the ordinary reminders."""
        for schedule in self:
            if schedule.state != "draft":
                raise UserError(self.env._("Only a draft schedule can be activated."))
            if not schedule.agreement_date or not schedule.agreement_file:
                raise UserError(
                    self.env._(
                        "Record the date of the customer's agreement and attach "
                        "the signed schedule before activating it."
                    )
                )
            if not schedule.line_ids:
                raise UserError(self.env._("This schedule has no instalment."))
        self.write({"state": "active"})  # checks the instalments again
        self._log_on_partners(
            {
                schedule.id: self.env._(
                    "Payment schedule %(name)s signed on %(date)s: %(count)s "
                    "payments, %(amount)s in total.",
                    name=schedule.name,
                    date=format_date(self.env, schedule.agreement_date),
                    count=len(schedule.line_ids),
                    amount=format_amount(
                        self.env, schedule.amount_total, schedule.currency_id
                    ),
                )
                for schedule in self
            }
        )
        return True

    def action_cancel(self):
        """Drop the schedule: its invoices go back to the ordinary reminders at
        the level they had reached."""
        if any(schedule.state == "done" for schedule in self):
            raise UserError(self.env._("A schedule paid in full cannot be cancelled."))
        self.write({"state": "cancelled"})
        self._release_moves()
        self._log_on_partners(
            {
                schedule.id: self.env._(
                    "Payment schedule %(name)s cancelled: ordinary reminders "
                    "resume.",
                    name=schedule.name,
                )
                for schedule in self
            }
        )
        return True

    def action_print_agreement(self):
        return self.env.ref(
            "account_dunning.account_dunning_schedule_report"
        ).report_action(self)

    def action_open_moves(self):
        self.ensure_one()
        return self.move_ids._get_dunning_invoices_action(
            self.env._("Scheduled invoices")
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_instalment_errors(self, instalments, total, currency, date):
        """Every reason the instalments (a list of (date, amount), in the order
        they were entered) cannot pay `total` from `date` on, in plain words:
        the payment schedule wizard shows them, the schedule refuses them."""

        def amount(value):
            return format_amount(self.env, value, currency)

        if not instalments:
            return [self.env._("The schedule has no instalment.")]
        errors = []
        for day, value in instalments:
            if currency.compare_amounts(value, 0) <= 0:
                errors.append(
                    self.env._(
                        "The payment of %(date)s is %(amount)s: each payment must be "
                        "more than zero.",
                        date=format_date(self.env, day) if day else "?",
                        amount=amount(value),
                    )
                )
        paid = sum(value for _day, value in instalments)
        if currency.compare_amounts(paid, total) != 0:
            errors.append(
                self.env._(
                    "The payments add up to %(lines)s instead of the %(total)s to "
                    "schedule.",
                    lines=amount(paid),
                    total=amount(total),
                )
            )
        dates = [day for day, _value in instalments]
        if not all(dates):
            errors.append(self.env._("Give each payment a date."))
            return errors
        for previous, current in zip(dates, dates[1:], strict=False):
            if current <= previous:
                errors.append(
                    self.env._(
                        "The payment dates must follow each other: %(date)s comes "
                        "after %(previous)s.",
                        date=format_date(self.env, current),
                        previous=format_date(self.env, previous),
                    )
                )
        past = [day for day in dates if day < date]
        if past:
            errors.append(
                self.env._(
                    "A payment cannot be dated before today: %(dates)s.",
                    dates=", ".join(format_date(self.env, day) for day in past),
                )
            )
        limit = date + relativedelta(years=MAX_SCHEDULE_YEARS)
        if max(dates) > limit:
            errors.append(
                self.env._(
                    "A payment schedule cannot last more than two years: the last "
                    "payment (%(last)s) must be on or before %(limit)s.",
                    last=format_date(self.env, max(dates)),
                    limit=format_date(self.env, limit),
                )
            )
        return errors

    def _get_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Payment schedule"),
            "res_model": "account.dunning.schedule",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _check_moves_available(self):
        """An invoice is in one live schedule at a time."""
        for schedule in self:
            taken = schedule.move_ids.filtered(
                lambda m, s=schedule: m.dunning_schedule_id
                and m.dunning_schedule_id != s
                and m.dunning_schedule_id.state in OPEN_SCHEDULE_STATES
            )
            if taken:
                raise UserError(
                    self.env._(
                        "These invoices are already in a payment schedule: "
                        "%(moves)s. Cancel that schedule first.",
                        moves=", ".join(taken.mapped("display_name")),
                    )
                )

    def _release_moves(self):
        moves = self.move_ids.filtered(lambda m: m.dunning_schedule_id in self)
        moves.write({"dunning_schedule_id": False})

    def _log_on_partners(self, messages):
        """Post one note per schedule in its customer's chatter and its own."""
        bodies = {}
        by_partner = {}
        for schedule in self:
            message = messages.get(schedule.id)
            if not message:
                continue
            bodies[schedule.id] = Markup("<p>%s</p>") % message
            by_partner.setdefault(schedule.partner_id.id, []).append(
                bodies[schedule.id]
            )
        self.browse(bodies)._message_log_batch(bodies)
        self.env["res.partner"].browse(by_partner)._message_log_batch(
            {pid: Markup().join(parts) for pid, parts in by_partner.items()}
        )

    def _amount_in_words(self, amount=None):
        """The amount in words in the customer's language (acknowledgement of
        debt: amount in letters and figures, C. civ. 1376)."""
        self.ensure_one()
        amount = self.amount_total if amount is None else amount
        lang = self.partner_id.lang or self.env.lang or "en_US"
        return amount_in_words(amount, self.currency_id, lang)

    def _get_acceleration_notice_days(self):
        """Days of notice before acceleration against a private person (no
        acceleration without a prior notice and a reasonable cure period)."""
        self.ensure_one()
        return self.env["account.dunning.consumer.rule"]._get_cure_days(
            self.partner_id, self.company_id
        )

    @api.model
    def _cron_update_schedules(self, company, date, in_part=None):
        """Follow the active schedules of `company` as of `date`, before the
        escalation: confirm paid instalments, close paid schedules, declare
        defaults (acceleration) and remind the instalments coming up.

        Called once per run by the engine, so a defaulted schedule sends its
        invoices to the formal notice in the same run; `in_part` keeps the
        customers of one part of a nightly run.
        """
        schedules = self.search(
            [("company_id", "=", company.id), ("state", "=", "active")]
        )
        if in_part:
            schedules = schedules.filtered(lambda s: in_part(s.partner_id))
        if not schedules:
            return self
        schedules = schedules.with_context(dunning_schedule_date=date)
        # Paid instalments: one confirmation per schedule.
        newly_paid = schedules.line_ids.filtered(
            lambda line: line.state == "paid" and not line.paid_notified
        )
        confirmed = newly_paid.schedule_id
        done = schedules.filtered(
            lambda s: all(line.state == "paid" for line in s.line_ids)
        )
        confirmed._send_schedule_mail(
            "account_dunning.mail_template_dunning_schedule_paid",
            {
                schedule.id: self.env._(
                    "Payment received on schedule %(name)s: %(paid)s paid, "
                    "%(remaining)s remaining.",
                    name=schedule.name,
                    paid=format_amount(
                        self.env, schedule.paid_amount, schedule.currency_id
                    ),
                    remaining=format_amount(
                        self.env, schedule.residual_amount, schedule.currency_id
                    ),
                )
                for schedule in confirmed
            },
        )
        newly_paid.write({"paid_notified": True})
        done.write({"state": "done"})
        # Missed instalments: the whole balance becomes due, for a private
        # person only once the cure period after a notice is over.
        Rule = self.env["account.dunning.consumer.rule"]
        defaulted = {}
        noticed = {}
        cured = self.browse()
        for schedule in schedules - done:
            grace = timedelta(days=schedule.policy_id.grace_days)
            missed = schedule.line_ids.filtered(
                lambda line, g=grace: line.state != "paid" and line.date + g < date
            )
            if not missed:
                cured |= schedule.filtered("notice_date")
                continue
            line = missed.sorted("date")[0]
            if not Rule._get_cure_days(schedule.partner_id, company):
                defaulted[schedule] = line
            elif not schedule.notice_date:
                noticed[schedule] = line
            elif schedule.acceleration_date <= date:
                defaulted[schedule] = line
        cured._cure_notice()
        for schedule, line in noticed.items():
            schedule.write(
                {
                    "notice_date": date,
                    "acceleration_date": Rule._get_acceleration_date(
                        schedule.partner_id, company, date
                    ),
                    "default_line_id": line.id,
                }
            )
        noticed_schedules = self.browse([s.id for s in noticed]).with_context(
            dunning_schedule_date=date
        )
        noticed_schedules._send_schedule_mail(
            "account_dunning.mail_template_dunning_schedule_default",
            {
                schedule.id: self.env._(
                    "Payment schedule %(name)s: the payment of %(date)s is missing. "
                    "Notice of default sent: unless it is paid, the remaining "
                    "%(amount)s becomes due on %(acceleration)s and the reminders "
                    "resume with the formal notice.",
                    name=schedule.name,
                    date=format_date(self.env, schedule.default_line_id.date),
                    amount=format_amount(
                        self.env, schedule.residual_amount, schedule.currency_id
                    ),
                    acceleration=format_date(self.env, schedule.acceleration_date),
                )
                for schedule in noticed_schedules
            },
        )
        # the notice was the private person's email: the acceleration is noted
        after_notice = {s.id for s in defaulted if s.notice_date}
        for schedule, line in defaulted.items():
            schedule.write(
                {"state": "defaulted", "default_date": date, "default_line_id": line.id}
            )
        defaulted_schedules = self.browse([s.id for s in defaulted]).with_context(
            dunning_schedule_date=date
        )
        messages = {
            schedule.id: self.env._(
                "Payment schedule %(name)s not honoured: the payment of "
                "%(date)s is missing. The remaining %(amount)s is due at once "
                "and the reminders resume with the formal notice.",
                name=schedule.name,
                date=format_date(self.env, schedule.default_line_id.date),
                amount=format_amount(
                    self.env, schedule.residual_amount, schedule.currency_id
                ),
            )
            for schedule in defaulted_schedules
        }
        accelerated = defaulted_schedules.filtered(lambda s: s.id in after_notice)
        accelerated._log_on_partners(
            {
                schedule.id: self.env._(
                    "%(message)s (cure period of the notice of %(notice)s over)",
                    message=messages.pop(schedule.id),
                    notice=format_date(self.env, schedule.notice_date),
                )
                for schedule in accelerated
            }
        )
        (defaulted_schedules - accelerated)._send_schedule_mail(
            "account_dunning.mail_template_dunning_schedule_default", messages
        )
        # Instalments coming up: one reminder a few days before each.
        running = schedules - done - defaulted_schedules - noticed_schedules
        upcoming = running.line_ids.filtered(
            lambda line: line.state != "paid"
            and not line.reminder_sent
            and line.date >= date
            and line.date
            - timedelta(days=line.schedule_id.policy_id.schedule_reminder_days)
            <= date
        )
        upcoming._send_reminders()
        return schedules

    def _cure_notice(self):
        """The missed payments were made within the cure period: the notice
        of default lapses and the schedule goes on."""
        if not self:
            return
        self._log_on_partners(
            {
                schedule.id: self.env._(
                    "Payment schedule %(name)s: the missed payment was received "
                    "after the notice of %(notice)s; the schedule goes on.",
                    name=schedule.name,
                    notice=format_date(self.env, schedule.notice_date),
                )
                for schedule in self
            }
        )
        self.write(
            {"notice_date": False, "acceleration_date": False, "default_line_id": False}
        )

    def _send_schedule_mail(self, template_xmlid, messages):
        """Queue the template's email to each customer (mail queue) and note it
        in the customer's chatter."""
        if not self:
            return
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        reachable = self.filtered(lambda s: s.partner_id.email)
        if template and reachable:
            try:
                with self.env.cr.savepoint():
                    template.send_mail_batch(reachable.ids)
            except Exception:  # noqa: BLE001 - a broken template must not stop the run
                _logger.exception("Payment schedule email %s failed", template_xmlid)
                reachable = self.browse()
        for schedule in self - reachable:
            messages[schedule.id] = self.env._(
                "%(message)s (no email sent: the customer has no email address)",
                message=messages[schedule.id],
            )
        self._log_on_partners(messages)
