"""When the claim of an invoice lapses (DOMAIN.md §4.3, T13-T15), and what the
night, the customer form and the work queue do as the day comes near."""

from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from .account_dunning_policy import LIMITATION_ALERT_DAYS

# Limitation periods in years by debtor category: a consumer's debt lapses two
# years after the service (C. consom. L218-2), a trader's five (C. com.
# L110-4), a public buyer's four years from the 1 January after the service
# (déchéance quadriennale, loi 68-1250); each restarts in full after an
# acknowledgement of the debt (C. civ. 2240, 2231).
LIMITATION_YEARS = {"b2c": 2, "b2b": 5, "b2g": 4}


class AccountDunningLimitation(models.AbstractModel):
    """The limitation rule in one place: the invoice's `dunning_limitation_date`,
    the escalation rule (`account.dunning.rule._get_target_level`), the work
    queue and the invoice form ask here. Customers inherit it for the warning
    of their form: the claims lapsing within their policy's alert window."""

    _name = "account.dunning.limitation"
    _description = "Limitation of claims"

    dunning_limitation_date = fields.Date(
        string="First claim lapses after",
        compute="_compute_dunning_limitation_date",
        help="Earliest day after which the claim on one of the customer's open "
        "invoices lapses, when it falls within the alert window of the "
        "customer's policy: send the formal notice or hand the debt over "
        "before then.",
    )
    dunning_limitation_count = fields.Integer(
        string="Claims lapsing soon", compute="_compute_dunning_limitation_date"
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends_context("company")
    def _compute_dunning_limitation_date(self):
        """Customers: their open invoices whose claim lapses within the alert
        window of their policy, as of the company's day."""
        company = self.env.company
        alerts = self._read_alerts(
            company,
            self.commercial_partner_id.filtered("id"),
            self.env["account.dunning.rule"]._get_company_today(company),
        )
        for partner in self:
            moves = alerts.get(partner.commercial_partner_id.id)
            partner.dunning_limitation_count = len(moves) if moves else 0
            partner.dunning_limitation_date = (
                min(moves.mapped("dunning_limitation_date")) if moves else False
            )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_move_limitations(self, moves):
        """{move id: (last day before its claim lapses, what it runs from)}
        of customer invoices: from the earlier of the delivery (completion)
        and invoice dates, restarted by the customer's acknowledgements."""
        result = {}
        for move in moves:
            start = min(
                (day for day in (move.delivery_date, move.invoice_date) if day),
                default=None,
            )
            if move.move_type != "out_invoice" or not start:
                result[move.id] = (False, False)
                continue
            result[move.id] = self._get_limitation_date(
                move.commercial_partner_id.dunning_debtor_category or "b2b",
                start,
                self._get_acknowledgements(move),
            )
        return result

    @api.model
    def _get_acknowledgements(self, move):
        """[(day, kind)] of the customer's acknowledgements of the invoice's
        debt (C. civ. 2240): its payments (a payment or bank transaction
        matched with it, or a payment without journal entry once paid; credit
        notes do not count), the payment schedule it signed (activated: the
        signed copy is attached) and the written acknowledgement recorded on
        the invoice. A promise of payment is no proof of one."""
        events = [
            (partial.credit_move_id.date, "payment")
            for partial in move.line_ids.matched_credit_ids
            if partial.credit_move_id.move_id.origin_payment_id
            or partial.credit_move_id.move_id.statement_line_id
        ]
        events += [
            (payment.date, "payment")
            for payment in move.matched_payment_ids
            if not payment.move_id and payment.state == "paid"
        ]
        schedule = move.dunning_schedule_id
        if schedule.agreement_date and schedule.state in (
            "active",
            "done",
            "defaulted",
        ):
            events.append((schedule.agreement_date, "schedule"))
        if move.dunning_acknowledgement_date:
            events.append((move.dunning_acknowledgement_date, "acknowledgement"))
        return events

    @api.model
    def _get_limitation_date(self, category, start, events=()):
        """(Last day before the claim lapses, what it runs from: "service" or
        the kind of the event that restarted it) for a debtor of `category`
        whose service was completed on `start`.

        `events` are (day, kind) acknowledgements of the debt: each restarts
        a full period from its day (from the 1 January after it for a public
        buyer). An acknowledgement after the claim lapsed revives nothing.
        """
        if not start:
            return False, False
        deadline, origin = self._add_period(category, start), "service"
        for day, kind in sorted(event for event in events if event[0]):
            if day > deadline:
                break
            restarted = self._add_period(category, day)
            if restarted > deadline:
                deadline, origin = restarted, kind
        return deadline, origin

    @api.model
    def _add_period(self, category, day):
        """Last day of a limitation period starting on `day`."""
        if category == "b2g":
            # four years counted from the 1 January after the year of `day`
            return day.replace(
                year=day.year + LIMITATION_YEARS["b2g"], month=12, day=31
            )
        return day + relativedelta(years=LIMITATION_YEARS.get(category, 5))

    @api.model
    def _is_near(self, limitation_date, policy, date):
        """Whether a claim lapsing after `limitation_date` lapses within the
        alert window of `policy` (plain values, a record, or None for the
        default window) as of `date`."""
        days = policy.limitation_alert_days if policy else LIMITATION_ALERT_DAYS
        return bool(limitation_date) and limitation_date <= date + timedelta(days)

    @api.model
    def _get_step(self, level_id, limitation_date, policy, levels, date):
        """(lapsing, level) for an invoice at `level_id` whose claim lapses
        after `limitation_date`: when it lapses within the alert window, no
        friendly reminder any more: the formal notice (the first of the
        policy) if the invoice has not had it, else nothing, and the work
        queue proposes the hand-over. (False, None) when the claim is not
        close to lapsing. `lib.snapshot.limitation_near_sql` and
        `notice_ahead_sql` are its SQL twins."""
        if not self._is_near(limitation_date, policy, date):
            return False, None
        notice = levels.get(policy.formal_notice_id) if policy else None
        if not notice or not notice.is_formal_notice:
            return True, None
        current = levels.get(level_id) if level_id else None
        if current and current.delay >= notice.delay:
            return True, None
        return True, notice

    @api.model
    def _read_alerts(self, company, partners, date):
        """{customer id: open invoices of `company` whose claim lapses within
        the alert window of the customer's policy as of `date`}, for the
        customers `partners`."""
        Rule = self.env["account.dunning.rule"]
        moves = self.env["account.move"].search_fetch(
            Rule._get_open_invoice_domain(company)
            + [
                ("commercial_partner_id", "in", partners.ids),
                ("dunning_limitation_date", "!=", False),
            ],
            ["commercial_partner_id", "dunning_limitation_date"],
            order="dunning_limitation_date, id",
        )
        alerts = defaultdict(lambda: self.env["account.move"])
        policies = {}
        for move in moves:
            customer = move.commercial_partner_id
            if customer not in policies:
                policies[customer] = customer._get_dunning_policy(company)
            if self._is_near(move.dunning_limitation_date, policies[customer], date):
                alerts[customer.id] |= move
        return dict(alerts)

    @api.model
    def _read_hand_over_keys(self, partners=None):
        """{company id: {customer id}} of the customers (among `partners`,
        default all) with an open invoice whose claim lapses within the alert
        window and that has had its formal notice (`_get_step`): the Python
        twin of the work queue's `lapse_hand_over`."""
        Rule = self.env["account.dunning.rule"]
        windows = self.env["account.dunning.policy"].search_fetch(
            [], ["limitation_alert_days"]
        )
        days = max(windows.mapped("limitation_alert_days") + [LIMITATION_ALERT_DAYS])
        domain = Rule._get_open_invoice_domain() + [
            ("dunning_limitation_date", "!=", False),
            (
                "dunning_limitation_date",
                "<=",
                fields.Date.today() + timedelta(days + 1),
            ),
        ]
        if partners is not None:
            domain.append(("commercial_partner_id", "in", partners.ids))
        keys = {}
        Move = self.env["account.move"]
        for company, moves in Move.search(domain).grouped("company_id").items():
            today = Rule._get_company_today(company)
            policies, levels = Rule._read_policies(company)
            for move in moves:
                customer = move.commercial_partner_id
                policy = policies.get(customer._get_dunning_policy(company).id)
                lapsing, notice = self._get_step(
                    move.dunning_level_id.id,
                    move.dunning_limitation_date,
                    policy,
                    levels,
                    today,
                )
                if lapsing and not notice:
                    keys.setdefault(company.id, set()).add(customer.id)
        return keys
