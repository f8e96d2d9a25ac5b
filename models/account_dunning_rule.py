"""The escalation rule. Over 600 lines because every rule the engine, the
wizards and the forms share has its one home here (DESIGN.md: one rule, one
place), from open invoices to reachability and the night's reminders."""

from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib.customer_sql import payment_behaviour_sql
from ..lib.snapshot import Level, Policy
from .account_dunning_einvoice_status import (
    EINVOICE_PAUSED,
    EINVOICE_PAYMENT_SENT,
    EINVOICE_REFUSED,
)

# Time zone of a company whose address has none (the addon is for France).
DEFAULT_TZ = "Europe/Paris"
# Why invoices or customers get no reminder, in the order they are checked:
# invoice causes first, then customer causes (`skip_bank_line` is both: a bank
# statement line not reconciled yet holds the invoices it names, or the
# customer whose overdue amount it covers). Each is also a counter of the run
# (`account.dunning.run`, field of the same name).
SKIP_CAUSES = (
    "skip_excluded",
    "skip_disputed",
    "skip_einvoice_refused",
    "skip_einvoice_paused",
    "skip_promise",
    "skip_pending",
    "skip_schedule",
    "skip_blocked",
    "skip_paused",
    "skip_proceedings",
    "skip_litigation",
    "skip_to_reconcile",
    "skip_bank_line",
    "skip_minimum",
    "skip_interval",
    "skip_no_policy",
)


class AccountDunningRule(models.AbstractModel):
    """The escalation rule (DESIGN.md), in one place: which invoices are open,
    the level an invoice climbs to next, why an invoice or a customer is left
    alone, and whether a customer can be reached through a channel.

    The nightly run, the "Relancer" wizard, the invoice's *next reminder* and
    the customer form all ask here. The rule works on plain values (the
    named tuples of `DunningSnapshot`), so the engine applies it to tens of
    thousands of invoices without loading records; records with the same
    attribute names work too.
    """

    _name = "account.dunning.rule"
    _inherit = ["account.dunning.reach"]
    _description = "Dunning escalation rule"

    # ------------------------------------------------------------
    # OPEN INVOICES
    # ------------------------------------------------------------

    @api.model
    def _get_open_invoice_domain(self, companies=None):
        """Open customer invoices: posted, with something still to pay."""
        domain = [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("amount_residual", ">", 0),
        ]
        if companies is not None:
            domain.append(("company_id", "in", companies.ids))
        return domain

    @api.model
    def _get_open_invoice_client_domain(self, partner_field="partner_id"):
        """`_get_open_invoice_domain` of the customer in the form's field
        `partner_field`, as the domain of an invoices field of a form."""
        domain = [("commercial_partner_id", "=", 0), *self._get_open_invoice_domain()]
        return repr(domain).replace(
            "('commercial_partner_id', '=', 0)",
            f"('commercial_partner_id', '=', {partner_field})",
        )

    @api.model
    def _get_open_invoice_sql(self, alias=None):
        """The SQL twin of `_get_open_invoice_domain`, on the invoices of the
        query's `alias` (unqualified columns without one, as in an index)."""

        def column(name):
            return SQL.identifier(alias, name) if alias else SQL.identifier(name)

        return SQL(
            "%s = 'out_invoice' AND %s = 'posted' AND %s > 0",
            column("move_type"),
            column("state"),
            column("amount_residual"),
        )

    # ------------------------------------------------------------
    # THE COMPANY'S DAY
    # ------------------------------------------------------------

    @api.model
    def _get_company_today(self, company):
        """Today in the company's time zone (its address's, else Paris): the
        day the night's reminders are dated, whatever the server's clock or
        the user's time zone."""
        tz = pytz.timezone(self._get_company_tz(company))
        return pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()

    @api.model
    def _get_company_tz(self, company):
        """The company's time zone: its address's, else Paris."""
        return company.partner_id.tz or DEFAULT_TZ

    @api.model
    def _get_company_today_sql(self, company_alias):
        """The SQL twin of `_get_company_today`, for the companies of the
        query's `company_alias` (res_company rows)."""
        return SQL(
            """(NOW() AT TIME ZONE COALESCE(
                    NULLIF((SELECT tzp.tz FROM res_partner tzp
                             WHERE tzp.id = %s), ''),
                    %s))::date""",
            SQL.identifier(company_alias, "partner_id"),
            DEFAULT_TZ,
        )

    # ------------------------------------------------------------
    # POLICIES AND LEVELS
    # ------------------------------------------------------------

    @api.model
    def _read_policies(self, company):
        """Every policy and level of `company` as plain values: ({policy id:
        Policy}, {level id: Level}), levels in escalation order."""
        policies, levels = {}, {}
        records = (
            self.env["account.dunning.policy"]
            .with_context(active_test=False)
            .search([("company_id", "=", company.id)])
        )
        for policy in records:
            ordered = policy._get_ordered_levels()
            for level in ordered:
                levels[level.id] = Level(
                    level.id,
                    policy.id,
                    level.sequence,
                    level.delay,
                    level.is_formal_notice,
                    level.auto_execute,
                    tuple(level._get_channels()),
                    frozenset(level.role_ids.ids),
                )
            notice = ordered.filtered("is_formal_notice")[:1] or ordered[-1:]
            policies[policy.id] = Policy(
                policy.id,
                policy.min_amount,
                policy.min_interval_days,
                policy.grace_days,
                [levels[level.id] for level in ordered],
                notice.id,
                policy.limitation_alert_days,
                company.dunning_start_mode or "step",
            )
        return policies, levels

    @api.model
    def _get_next_level(self, level_id, date_due, schedule_state, policy, levels, date):
        """The level an invoice climbs to next under `policy`, None at the top:
        the first level after its current one (`level_id`, which may belong to
        another policy: `levels` gives any level by id).

        Never more than one step per reminder. Pre-due levels (negative delay)
        only make sense before the due date, so an invoice already due on
        `date` skips them. A defaulted payment schedule makes the whole balance
        due: its invoices go straight to the formal notice.
        """
        current = levels.get(level_id) if level_id else None
        if schedule_state == "defaulted":
            ordered = [level.id for level in policy.levels]
            notice = policy.formal_notice_id
            if not notice:
                return None
            if current and current.id in ordered:
                if ordered.index(current.id) >= ordered.index(notice):
                    return None
            return levels[notice]
        days = (date - date_due).days
        if not current and policy.start_mode == "catch_up":
            # a backlog caught up: an invoice never reminded starts higher
            Policy = self.env["account.dunning.policy"]
            if level := Policy._get_catch_up_level(policy, days):
                return level
        for level in policy.levels:
            if current and level.delay <= current.delay:
                continue
            if level.delay < 0 and days >= 0:
                continue
            return level
        return None

    @api.model
    def _get_level_date(self, level, date_due, schedule_state, date):
        """When `level` (the next level of an invoice) falls due: its delay
        after the due date, at once after a defaulted schedule."""
        if schedule_state == "defaulted":
            return date
        return date_due + timedelta(days=level.delay)

    @api.model
    def _get_target_level(self, invoice, policy, levels, date):
        """The next level of the invoice if it is due on `date`, else None; at
        once the formal notice, or nothing, when its claim lapses soon."""
        lapsing, notice = self.env["account.dunning.limitation"]._get_step(
            invoice.level_id, invoice.dunning_limitation_date, policy, levels, date
        )
        if lapsing:
            return notice
        level = self._get_next_level(
            invoice.level_id,
            invoice.invoice_date_due,
            invoice.schedule_state,
            policy,
            levels,
            date,
        )
        if not level:
            return None
        due = self._get_level_date(
            level, invoice.invoice_date_due, invoice.schedule_state, date
        )
        return level if due <= date else None

    # ------------------------------------------------------------
    # WHO IS LEFT ALONE
    # ------------------------------------------------------------

    @api.model
    def _get_skip_explanations(self):
        """{skip cause: why, in a sentence for the user}; "not_due" for an
        invoice with no level due yet."""
        return {
            "skip_excluded": self.env._("excluded from reminders"),
            "skip_disputed": self.env._("in dispute"),
            "skip_einvoice_refused": self.env._(
                "refused by the buyer (210) or rejected by the platform (213) on "
                "the e-invoicing platform: issue a credit note or correct and send "
                "it again, no reminder"
            ),
            "skip_einvoice_paused": self.env._(
                "on hold on the e-invoicing platform: in dispute (207), suspended "
                "(208), factored (225, 226), or its payment transmitted (211) "
                "fewer days ago than the settings allow"
            ),
            "skip_promise": self.env._("covered by a promise of payment"),
            "skip_pending": self.env._(
                "already reminded at this level, or a reminder awaits confirmation "
                "or is being sent"
            ),
            "skip_schedule": self.env._("in an active payment schedule"),
            "skip_blocked": self.env._("This customer is blocked: no reminders."),
            "skip_paused": self.env._("Reminders to this customer are paused."),
            "skip_proceedings": self.env._(
                "This customer is under collective proceedings: declare the claim "
                "instead of reminding."
            ),
            "skip_litigation": self.env._(
                "This customer's debt was handed over to litigation: no amicable "
                "reminder."
            ),
            "skip_to_reconcile": self.env._(
                "This customer has unapplied payments or credit notes and owes "
                "nothing: reconcile before reminding."
            ),
            "skip_bank_line": self.env._(
                "payment received, to reconcile: a bank statement line not "
                "reconciled yet names this invoice or covers what the customer "
                "owes, the customer declared it paid on its page, or the "
                "e-invoicing platform reports it paid in full (212)"
            ),
            "skip_minimum": self.env._(
                "The amount due is under the minimum of the customer's policy."
            ),
            "skip_interval": self.env._("This customer was reminded too recently."),
            "skip_no_policy": self.env._("This customer has no dunning policy."),
            "not_due": self.env._("no new level due yet"),
        }

    @api.model
    def _get_move_skip_cause(
        self, invoice, level, policy, date, taken, bank=(), einvoice_grace=0
    ):
        """Why the invoice does not climb to `level` on `date`, else None;
        `taken` holds the (invoice, level) pairs already reminded or awaiting
        confirmation (`account.dunning.action.line._fetch_taken_slots`),
        `bank` the invoices named by a bank statement line not reconciled
        yet (`lib.snapshot.read_bank_lines`), `einvoice_grace` the company's
        days of hold after a payment transmitted on the e-invoicing platform
        (status received on the invoice's `dunning_einvoice_status_day`, in
        the company's time zone)."""
        if invoice.dunning_excluded:
            return "skip_excluded"
        if invoice.is_disputed:
            return "skip_disputed"
        status = invoice.dunning_einvoice_status
        if status in EINVOICE_REFUSED:
            return "skip_einvoice_refused"
        if status in EINVOICE_PAUSED or (
            status == EINVOICE_PAYMENT_SENT
            and invoice.dunning_einvoice_status_day + timedelta(days=einvoice_grace)
            > date
        ):
            return "skip_einvoice_paused"
        promise = invoice.dunning_promise_date
        if promise and promise + timedelta(days=policy.grace_days) >= date:
            return "skip_promise"
        # the customer said on its page it has paid: held, as money in the
        # bank is, while the payment is looked for
        declared = invoice.dunning_declared_paid_date
        if declared and declared + timedelta(days=policy.grace_days) >= date:
            return "skip_bank_line"
        if (invoice.id, level.id) in taken:
            return "skip_pending"
        if invoice.schedule_state == "active":
            return "skip_schedule"
        if invoice.id in bank:
            return "skip_bank_line"
        # the platform says it was paid in full: the payment is to record
        if invoice.amount_residual <= 0:
            return "skip_bank_line"
        return None

    @api.model
    def _get_partner_skip_cause(
        self,
        customer,
        policy,
        amount_due,
        balance,
        last_date,
        date,
        ignore_interval,
        bank_amount=0.0,
    ):
        """Why the customer gets no reminder on `date`, else None. Amounts are
        in the company currency and already rounded to it; `bank_amount` is
        what its bank statement lines not reconciled yet, naming no invoice,
        received from it."""
        if customer.dunning_blocked:
            return "skip_blocked"
        if customer.dunning_paused_until and customer.dunning_paused_until >= date:
            return "skip_paused"
        if self._is_in_proceedings(customer, date):
            return "skip_proceedings"
        # before the balance: a transfer to doubtful (416) may zero the 411
        if customer.dunning_in_litigation:
            return "skip_litigation"
        if balance <= 0:
            return "skip_to_reconcile"
        if bank_amount and bank_amount >= amount_due:
            return "skip_bank_line"
        if amount_due < policy.min_amount:
            return "skip_minimum"
        if not ignore_interval and last_date:
            interval = max(policy.min_interval_days, 1)
            if (date - last_date).days < interval:
                return "skip_interval"
        return None

    @api.model
    def _is_in_proceedings(self, partner, date):
        """Under collective proceedings published on or before `date` (no
        publication date recorded: as soon as the proceedings are entered):
        from then on no reminder, no penalty (DOMAIN.md, T12)."""
        return bool(partner.dunning_proceedings) and (
            not partner.dunning_proceedings_date
            or partner.dunning_proceedings_date <= date
        )

    @api.model
    def _get_litigation_domain(self, company, date):
        """The cases that keep their customer from amicable reminders on
        `date` in `company`: open, handed over on or before that day. A
        cancelled case lets the reminders resume."""
        return [
            ("company_id", "=", company.id),
            ("state", "=", "open"),
            ("date", "<=", date),
        ]

    @api.model
    def _get_litigation_sql(self, partner_alias, company, date):
        """The SQL twin of `_get_litigation_domain`: whether the customer of
        the query's `partner_alias` (res_partner rows) is in litigation."""
        return SQL(
            """EXISTS (SELECT 1 FROM account_dunning_litigation lit
                        WHERE lit.partner_id = %s AND lit.company_id = %s
                          AND lit.state = 'open' AND lit.date <= %s)""",
            SQL.identifier(partner_alias, "id"),
            company if isinstance(company, SQL) else company.id,
            date,
        )

    # ------------------------------------------------------------
    # HOW A CUSTOMER PAYS
    # ------------------------------------------------------------

    @api.model
    def _get_payment_behaviour_sql(self, days, partner_ids=None):
        """How each customer paid over the twelve months before its company's
        day, and the risk it makes (`lib.customer_sql.payment_behaviour_sql`):
        the same SQL serves the work queue and the customer form."""
        return payment_behaviour_sql(days, partner_ids)

    @api.model
    def _read_payment_behaviour(self, company, partner_ids, day):
        """{customer id: (avg days late, late ratio, broken promises, risk)} in
        `company` as of `day`: `_get_payment_behaviour_sql` for a few
        customers (the customer form)."""
        if not partner_ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            self._get_payment_behaviour_sql(
                SQL("(VALUES (%s, %s::date)) AS d(company_id, day)", company.id, day),
                partner_ids,
            )
        )
        return {row[1]: row[2:] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------
    # THE RULE
    # ------------------------------------------------------------

    @api.model
    def _apply(self, snapshot, ignore_interval=False):
        """Apply the rule to a snapshot of open invoices as of its date.

        Returns the proposals (one per customer reaching a level:
        `partner_id`, `policy_id`, `targets` {invoice id: level id},
        `amount_due`: what the reminder claims, `_get_claim`) and why the
        others were skipped; creates nothing.
        `ignore_interval` lets a user remind again before the interval.
        """
        date = snapshot.date
        currency = snapshot.company.currency_id
        skipped = defaultdict(int)
        reasons = {}  # invoice id -> skip cause, for the wizard
        partner_reasons = {}
        proposals = []
        for partner_id, invoices in snapshot.invoices_by_partner.items():
            customer = snapshot.customers[partner_id]
            policy = snapshot.policies.get(customer.policy_id)
            if not policy:
                skipped["skip_no_policy"] += 1
                partner_reasons[partner_id] = "skip_no_policy"
                continue
            targets = {}
            for invoice in invoices:
                level = self._get_target_level(invoice, policy, snapshot.levels, date)
                if not level:
                    continue
                cause = self._get_move_skip_cause(
                    invoice,
                    level,
                    policy,
                    date,
                    snapshot.taken,
                    snapshot.bank_moves,
                    snapshot.einvoice_grace_days,
                )
                if cause:
                    skipped[cause] += 1
                    reasons[invoice.id] = cause
                    continue
                targets[invoice.id] = level.id
            if not targets:
                continue
            overdue = currency.round(
                sum(
                    invoice.amount_residual_signed
                    for invoice in invoices
                    if invoice.invoice_date_due < date or invoice.id in targets
                )
            )
            balance = currency.round(snapshot.balances.get(partner_id, 0.0))
            credits = snapshot.credits.get(partner_id, [])
            _claims, amount_due = self.env["account.dunning.claim"]._get_claim(
                [
                    (
                        invoice.currency_id,
                        invoice.amount_residual,
                        invoice.amount_residual_signed,
                    )
                    for invoice in invoices
                    if invoice.id in targets
                ],
                [
                    (credit.currency_id, credit.amount, credit.amount_company)
                    for credit in credits
                ],
                currency,
            )
            cause = self._get_partner_skip_cause(
                customer,
                policy,
                min(overdue, balance),
                balance,
                snapshot.last_dates.get(partner_id),
                date,
                # a promise broken tonight: the next level goes out at once
                ignore_interval or partner_id in snapshot.broken,
                currency.round(
                    sum(line.amount for line in snapshot.bank_partners[partner_id])
                ),
            )
            if not cause and currency.compare_amounts(amount_due, 0) <= 0:
                # the customer's credits cover every invoice reminded
                cause = "skip_to_reconcile"
            if cause:
                # money in the bank holds invoices: counted as such
                skipped[cause] += len(targets) if cause == "skip_bank_line" else 1
                partner_reasons[partner_id] = cause
                for move_id in targets:
                    reasons[move_id] = cause
                continue
            proposals.append(
                {
                    "partner_id": partner_id,
                    "policy_id": policy.id,
                    "targets": targets,
                    "amount_due": amount_due,
                    "claimed": True,
                }
            )
        return {
            "proposals": proposals,
            "skipped": dict(skipped),
            "reasons": reasons,
            "partner_reasons": partner_reasons,
            "partner_count": len(snapshot.partner_ids),
            "invoice_count": len(snapshot.invoices),
        }

    @api.model
    def _is_automatic(self, level):
        """Whether a reminder of `level` leaves without a user's confirmation
        (never a formal notice)."""
        return level.auto_execute and not level.is_formal_notice

    @api.model
    def _prepare_reminders(self, run, proposals, snapshot):
        """The reminders of `run` for the proposals of `_apply`: one per
        customer and channel, listing every invoice that reaches a level that
        day; the tone (level) is the highest one reached. Lines carry the
        invoice's name and currency too, for the call notes. Each reminder
        keeps the customer's open credits it deducts (`credits`) and claims
        the net amount (`_get_claim`)."""
        vals_list = []
        levels = snapshot.levels
        invoices = {invoice.id: invoice for invoice in snapshot.invoices}
        for proposal in proposals:
            partner_id = proposal["partner_id"]
            targets = proposal["targets"]
            # what the reminder claims, net of the credits it lists: counted
            # by `_apply` for the night, again here for the invoices a user
            # chose (the wizard's user may have left some out)
            credits = snapshot.credits.get(partner_id, [])
            amount_due = proposal["amount_due"]
            if not proposal.get("claimed"):
                _claims, amount_due = self.env["account.dunning.claim"]._get_claim(
                    [
                        (
                            invoices[move_id].currency_id,
                            invoices[move_id].amount_residual,
                            invoices[move_id].amount_residual_signed,
                        )
                        for move_id in targets
                    ],
                    [
                        (credit.currency_id, credit.amount, credit.amount_company)
                        for credit in credits
                    ],
                    run.company_id.currency_id,
                )
            level = max(
                (levels[level_id] for level_id in targets.values()),
                key=lambda lv: (lv.delay, lv.sequence),
            )
            target_invoices = sorted(
                (invoices[move_id] for move_id in targets),
                key=lambda invoice: (invoice.invoice_date_due, invoice.id),
            )
            contact_ids = snapshot.get_recipients(partner_id, level, target_invoices)
            lines = [
                {
                    "move_id": invoice.id,
                    "move_name": invoice.name,
                    "level_id": targets[invoice.id],
                    "currency_id": invoice.currency_id,
                    "date_due": invoice.invoice_date_due,
                    "days_overdue": (run.date - invoice.invoice_date_due).days,
                    "amount_total": invoice.amount_total,
                    "amount_residual": invoice.amount_residual,
                }
                for invoice in target_invoices
            ]
            # a user's choice of channels stands; the level's ones avoid an
            # address that bounces
            channels, fallback, why = proposal.get("channels"), None, None
            if not channels:
                channels, fallback, why = self._get_fallback_channels(
                    level.channels,
                    snapshot.contacts[partner_id],
                    [snapshot.contacts[contact_id] for contact_id in contact_ids],
                )
            for channel in channels:
                vals_list.append(
                    {
                        "company_id": run.company_id.id,
                        "partner_id": partner_id,
                        "contact_ids": contact_ids,
                        "level_id": level.id,
                        "date": run.date,
                        "channel": channel,
                        "user_id": snapshot.get_responsible_id(partner_id),
                        "run_id": run.id,
                        "amount_due": amount_due,
                        "line_ids": lines,
                        "credits": credits,
                        "note": why if channel == fallback else None,
                    }
                )
        return vals_list
