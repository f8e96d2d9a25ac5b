"""What the escalation rule reads about a batch of customers, as plain values.

The nightly job applies the rule to tens of thousands of invoices: reading them
as records cost most of its Python time (a field access through the ORM is
about a microsecond, and the rule makes a million of them). A snapshot reads
everything in a fixed number of queries whatever the size of the batch, into
named tuples whose attributes carry the names of the fields they come from, so
that the helpers shared with the record-based code (reachability of a
customer, call notes) accept both.
"""

from collections import defaultdict, namedtuple
from datetime import timedelta

from odoo.tools import SQL

from ..models.account_dunning_action import VALIDATED_STATES
from ..models.account_dunning_einvoice_status import EINVOICE_PAUSED, EINVOICE_REFUSED
from ..models.account_dunning_policy import LIMITATION_ALERT_DAYS

Invoice = namedtuple(
    "Invoice",
    "id name partner_id commercial_partner_id currency_id invoice_date_due "
    "amount_total amount_residual amount_residual_signed level_id "
    "dunning_excluded is_disputed dunning_promise_date schedule_state "
    "dunning_declared_paid_date dunning_einvoice_status dunning_einvoice_status_day "
    "dunning_limitation_date",
)
# A customer, one of its contacts or an invoice address: what reaching it needs
# (`message_bounce`: Odoo's count of the emails its address sent back).
Contact = namedtuple(
    "Contact",
    "id display_name parent_id is_company type email phone phone_sanitized mobile "
    "street zip city message_bounce role_ids",
)
Customer = namedtuple(
    "Customer",
    "id display_name policy_id responsible_id dunning_blocked "
    "dunning_paused_until dunning_proceedings dunning_proceedings_date "
    "dunning_in_litigation",
)
Level = namedtuple(
    "Level",
    "id policy_id sequence delay is_formal_notice auto_execute channels role_ids",
)
# `start_mode`: the company's `dunning_start_mode` (how an invoice never
# reminded starts: "step" or "catch_up").
Policy = namedtuple(
    "Policy",
    "id min_amount min_interval_days grace_days levels formal_notice_id "
    "limitation_alert_days start_mode",
)
# An open credit of a customer (credit note, payment not yet matched): what is
# left of it, in its currency and in the company currency, as positive amounts.
Credit = namedtuple(
    "Credit",
    "id move_id name ref date kind currency_id amount amount_company",
)
# Money in the bank not reconciled yet (`account.bank.statement.line`): what it
# names (`move_ids`: open invoices whose number or payment reference its label
# or reference contains, `move_partner_ids` their customers, in step) and, for
# a line naming no open invoice, the customer it came from (`partner_id`) and
# its amount in the company currency.
BankLine = namedtuple("BankLine", "id date partner_id amount move_ids move_partner_ids")


class DunningSnapshot:
    """The open invoices of some customers of a company as of a date, with
    their customers, contacts, policies, history and balances."""

    def __init__(self, run, partner_ids, move_ids=None):
        self.env = run.env
        self.rule = self.env["account.dunning.rule"]
        self.company = run.company_id
        self.date = run.date
        self.lead_days = run._get_lead_days()
        self.einvoice_grace_days = self.company.dunning_einvoice_grace_days
        self.policies, self.levels = self.rule._read_policies(self.company)
        self.invoices = self._read_invoices(partner_ids, move_ids)
        self.invoices_by_partner = defaultdict(list)
        for invoice in self.invoices:
            self.invoices_by_partner[invoice.commercial_partner_id].append(invoice)
        self.partner_ids = list(self.invoices_by_partner)
        self.customers = self._read_customers(self.partner_ids)
        self.contacts = DunningContacts(
            self.env,
            self.partner_ids,
            {invoice.partner_id for invoice in self.invoices},
            self.company,
        )
        # (invoice, level) pairs already reminded or waiting for confirmation
        self.taken = self.env["account.dunning.action.line"]._fetch_taken_slots(
            [invoice.id for invoice in self.invoices]
        )
        self.balances = self._read_balances()
        self.credits = self.env["account.dunning.claim"]._read_open_credits(
            self.company, self.partner_ids, self.date
        )
        self.last_dates = self._read_last_reminders()
        self.broken = self._read_broken_promises()
        # invoices named by a bank line, and each customer's bank lines naming
        # no invoice (`account.dunning.rule._apply` holds them)
        self.bank_moves = {}
        self.bank_partners = defaultdict(list)
        for line in read_bank_lines(
            self.env, self.company, self.partner_ids, self.date
        ):
            for move_id in line.move_ids:
                self.bank_moves.setdefault(move_id, line)
            if line.partner_id:
                self.bank_partners[line.partner_id].append(line)

    # ------------------------------------------------------------
    # READING
    # ------------------------------------------------------------

    def _read_invoices(self, partner_ids, move_ids):
        """The open invoices, each with what is left of it to claim: its
        balance, less what the e-invoicing platform reports paid (212) beyond
        the payments recorded; and its latest platform status with the day it
        was received, in the company's time zone."""
        Move = self.env["account.move"]
        Move.flush_model()
        self.env["account.dunning.schedule"].flush_model(["state"])
        if not partner_ids:
            return []
        query = SQL(
            """
            SELECT m.id, m.name, m.partner_id, m.commercial_partner_id,
                   m.currency_id, m.invoice_date_due, m.amount_total,
                   m.amount_residual, m.amount_residual_signed, %(level)s,
                   COALESCE(m.dunning_excluded, FALSE),
                   COALESCE(m.is_disputed, FALSE),
                   m.dunning_promise_date, s.state, m.dunning_declared_paid_date,
                   m.dunning_einvoice_status,
                   (m.dunning_einvoice_status_date AT TIME ZONE 'UTC'
                        AT TIME ZONE %(tz)s)::date,
                   m.dunning_limitation_date,
                   LEAST(m.amount_residual, m.amount_total
                         - COALESCE(m.dunning_einvoice_paid_amount, 0))
              FROM account_move m
         LEFT JOIN account_dunning_schedule s ON s.id = m.dunning_schedule_id
             WHERE m.company_id = %(company)s
               AND %(open)s
               AND m.commercial_partner_id = ANY(%(partners)s)
               AND m.invoice_date_due <= %(horizon)s
            """,
            level=Move._field_to_sql("m", "dunning_level_id"),
            company=self.company.id,
            open=self.rule._get_open_invoice_sql("m"),
            partners=list(partner_ids),
            horizon=self.date + timedelta(days=self.lead_days),
            tz=self.rule._get_company_tz(self.company),
        )
        if move_ids is not None:
            query = SQL("%s AND m.id = ANY(%s)", query, list(move_ids))
        self.env.cr.execute(
            SQL("%s ORDER BY m.commercial_partner_id, m.invoice_date_due, m.id", query)
        )
        invoices = []
        for row in self.env.cr.fetchall():
            total, residual, signed, rest = (float(row[i]) for i in (6, 7, 8, 18))
            if rest < residual:
                # the rest in the company currency, at the invoice's own rate
                signed = signed * max(rest, 0.0) / residual
                residual = max(rest, 0.0)
            invoices.append(Invoice(*row[:6], total, residual, signed, *row[9:18]))
        return invoices

    def _read_customers(self, partner_ids):
        if not partner_ids:
            return {}
        Partner = self.env["res.partner"].with_company(self.company)
        Partner.flush_model()
        self.env["account.dunning.litigation"].flush_model(
            ["company_id", "partner_id", "state", "date"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, p.complete_name, %(policy)s,
                       COALESCE(%(responsible)s, p.user_id, %(default_user)s),
                       COALESCE(p.dunning_blocked, FALSE), p.dunning_paused_until,
                       p.dunning_proceedings, p.dunning_proceedings_date,
                       %(litigation)s
                  FROM res_partner p
                 WHERE p.id = ANY(%(partners)s)
                """,
                policy=Partner._field_to_sql("p", "dunning_policy_id"),
                responsible=Partner._field_to_sql("p", "dunning_responsible_id"),
                default_user=self.company.dunning_user_id.id or None,
                litigation=self.rule._get_litigation_sql("p", self.company, self.date),
                partners=list(partner_ids),
            )
        )
        default_policy = self.company.dunning_policy_id.id
        return {
            row[0]: Customer(row[0], row[1] or "", row[2] or default_policy, *row[3:])
            for row in self.env.cr.fetchall()
        }

    def _read_balances(self):
        """Receivable balance per customer: unapplied payments and credit notes
        count, so a customer who has paid is never reminded."""
        if not self.partner_ids:
            return {}
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id, SUM(l.amount_residual)
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE l.company_id = %(company)s
                   AND p.commercial_partner_id = ANY(%(partners)s)
                   AND a.account_type = 'asset_receivable'
                   AND l.parent_state = 'posted'
                   AND NOT l.reconciled
                   AND l.date <= %(date)s
              GROUP BY p.commercial_partner_id
                """,
                company=self.company.id,
                partners=self.partner_ids,
                date=self.date,
            )
        )
        return {row[0]: float(row[1]) for row in self.env.cr.fetchall()}

    def _read_last_reminders(self):
        if not self.partner_ids:
            return {}
        self.env["account.dunning.action"].flush_model(
            ["company_id", "partner_id", "state", "date"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, MAX(date) FROM account_dunning_action
                 WHERE company_id = %s AND partner_id = ANY(%s) AND state IN %s
                   AND date <= %s AND channel != 'portal'
              GROUP BY partner_id
                """,
                self.company.id,
                self.partner_ids,
                VALIDATED_STATES,
                self.date,
            )
        )
        return dict(self.env.cr.fetchall())

    def _read_broken_promises(self):
        """Customers whose promise of payment was found broken on this date."""
        if not self.partner_ids:
            return set()
        rows = self.env["account.dunning.promise"]._read_group(
            [
                ("company_id", "=", self.company.id),
                ("partner_id", "in", self.partner_ids),
                ("state", "=", "broken"),
                ("closed_date", "=", self.date),
            ],
            ["partner_id"],
        )
        return {partner.id for (partner,) in rows}

    # ------------------------------------------------------------
    # WHO TO REMIND, WHO CALLS
    # ------------------------------------------------------------

    def get_recipients(self, partner_id, level, invoices):
        return self.contacts.get_recipients(
            partner_id, level.role_ids, [invoice.partner_id for invoice in invoices]
        )

    def get_responsible_id(self, partner_id):
        return self.customers[partner_id].responsible_id


def read_bank_lines(env, company, partner_ids, date):
    """The bank statement lines of `company` not reconciled yet, dated `date`
    at the latest, that received money for the customers `partner_ids`, in
    one query: a line whose label or reference names an open invoice of
    theirs (its number or payment reference, as a whole word, whatever the
    case), or a line of one of them naming no open invoice of anyone.

    Matching every label against every open invoice would cost lines ×
    invoices string searches a batch. A number found as a whole word ends
    with the same run of digits as a run of digits of the label (no digit
    can follow it, and the character before that run in the number is not a
    digit), so a label is only compared with the invoices whose number ends
    with one of its runs of digits (a hash join), and with the rare numbers
    ending with no digit; strpos() then the regular expression of a whole
    word confirm it."""
    if not partner_ids:
        return []
    for model in ("account.move", "account.bank.statement.line", "res.partner"):
        env[model].flush_model()
    env.cr.execute(
        SQL(
            """
            WITH st AS MATERIALIZED (
                SELECT l.id, sm.date, p.commercial_partner_id AS partner_id,
                       ABS(sm.amount_total_signed) AS amount,
                       UPPER(CONCAT_WS(' ', l.payment_ref, sm.ref)) AS label
                  FROM account_bank_statement_line l
                  JOIN account_move sm ON sm.id = l.move_id
             LEFT JOIN res_partner p ON p.id = l.partner_id
                 WHERE l.company_id = %(company)s
                   AND l.is_reconciled IS NOT TRUE
                   AND l.amount > 0
                   AND sm.state = 'posted'
                   AND sm.date <= %(date)s
            ), inv AS MATERIALIZED (
                -- every open invoice's number and payment reference (none
                -- read when no line waits)
                SELECT m.id, m.commercial_partner_id AS partner_id, t.text,
                       SUBSTRING(t.text FROM '([0-9]+)$') AS tail
                  FROM account_move m
            CROSS JOIN LATERAL unnest(ARRAY[UPPER(m.name),
                                            UPPER(m.payment_reference)]) t(text)
                 WHERE EXISTS (SELECT 1 FROM st)
                   AND m.company_id = %(company)s
                   AND %(open)s
                   AND LENGTH(t.text) >= 3
            ), bare AS MATERIALIZED (
                SELECT * FROM inv WHERE tail IS NULL
            ), candidate AS (
                SELECT DISTINCT st.id AS line_id, inv.id, inv.partner_id, inv.text
                  FROM st
            CROSS JOIN LATERAL regexp_matches(st.label, '[0-9]+', 'g') run
                  JOIN inv ON inv.tail = run[1]
             UNION ALL
                SELECT st.id, bare.id, bare.partner_id, bare.text
                  FROM st CROSS JOIN bare
            ), named AS (
                SELECT DISTINCT c.line_id, c.id, c.partner_id
                  FROM candidate c
                  JOIN st ON st.id = c.line_id
                 WHERE CASE WHEN STRPOS(st.label, c.text) > 0
                            THEN st.label ~ (%(before)s
                                 || regexp_replace(c.text, %(special)s,
                                                   %(escape)s, 'g')
                                 || %(after)s) END
            )
            SELECT st.id, st.date,
                   CASE WHEN NOT EXISTS (SELECT 1 FROM named n
                                          WHERE n.line_id = st.id)
                        THEN st.partner_id END,
                   st.amount,
                   ARRAY(SELECT ARRAY[n.id, n.partner_id] FROM named n
                          WHERE n.line_id = st.id
                            AND n.partner_id = ANY(%(partners)s)
                       ORDER BY n.id)
              FROM st
             WHERE st.partner_id = ANY(%(partners)s)
                OR EXISTS (SELECT 1 FROM named n
                            WHERE n.line_id = st.id
                              AND n.partner_id = ANY(%(partners)s))
          ORDER BY st.date, st.id
            """,
            company=company.id,
            open=env["account.dunning.rule"]._get_open_invoice_sql("m"),
            partners=list(partner_ids),
            date=date,
            # a whole word: no letter or digit right before or after it, and
            # every other character of the number taken literally
            before="(^|[^[:alnum:]])",
            after="($|[^[:alnum:]])",
            special="([^[:alnum:][:space:]])",
            escape=r"\\\1",
        )
    )
    return [
        BankLine(
            line_id,
            line_date,
            partner_id,
            float(amount),
            tuple(move_id for move_id, _partner_id in named),
            tuple(partner for _move_id, partner in named),
        )
        for line_id, line_date, partner_id, amount, named in env.cr.fetchall()
    ]


def next_level_due_sql(move_alias, level_alias, policy, date):
    """The SQL twin of `account.dunning.rule._get_target_level`, for the work
    queue's view: whether the overdue invoice of the query's `move_alias`, at
    the level of `level_alias` (account_dunning_level rows, NULL before any
    reminder), has its next level of `policy` (an SQL expression) due on
    `date`, and is not held on its own (excluded, disputed, an open promise,
    an open payment schedule, refused or on hold on the e-invoicing
    platform). A later level due means the next one is too:
    the next level is the level of the smallest delay above the current one.
    A defaulted schedule makes the formal notice due at once, and so does a
    claim lapsing within the policy's alert window (`limitation_near_sql`)."""
    due = SQL.identifier(move_alias, "invoice_date_due")
    return SQL(
        """(%(due)s < %(date)s
           AND NOT COALESCE(%(excluded)s, FALSE)
           AND NOT COALESCE(%(disputed)s, FALSE)
           AND %(promise)s IS NULL
           AND COALESCE(%(einvoice)s, '') NOT IN %(einvoice_held)s
           AND NOT EXISTS (SELECT 1 FROM account_dunning_schedule ns
                            WHERE ns.id = %(schedule)s
                              AND ns.state IN ('draft', 'active'))
           AND (EXISTS (SELECT 1 FROM account_dunning_level nl
                         WHERE nl.policy_id = %(policy)s
                           AND nl.delay >= 0
                           AND (%(current)s IS NULL OR nl.delay > %(current)s)
                           AND %(due)s + nl.delay <= %(date)s)
                OR EXISTS (SELECT 1 FROM account_dunning_schedule ns
                            WHERE ns.id = %(schedule)s
                              AND ns.state = 'defaulted'
                              AND NOT COALESCE(%(notice)s, FALSE))
                OR (%(lapsing)s AND %(notice_ahead)s)))""",
        due=due,
        date=date,
        excluded=SQL.identifier(move_alias, "dunning_excluded"),
        disputed=SQL.identifier(move_alias, "is_disputed"),
        promise=SQL.identifier(move_alias, "dunning_promise_date"),
        einvoice=SQL.identifier(move_alias, "dunning_einvoice_status"),
        einvoice_held=EINVOICE_REFUSED + EINVOICE_PAUSED,
        schedule=SQL.identifier(move_alias, "dunning_schedule_id"),
        policy=policy,
        current=SQL.identifier(level_alias, "delay"),
        notice=SQL.identifier(level_alias, "is_formal_notice"),
        lapsing=limitation_near_sql(move_alias, policy, date),
        notice_ahead=notice_ahead_sql(level_alias, policy),
    )


def limitation_near_sql(move_alias, policy, date):
    """The SQL twin of `account.dunning.limitation._is_near`: whether
    the claim of the invoice of the query's `move_alias` lapses within the
    alert window of `policy` (an SQL expression) as of `date`."""
    limit = SQL.identifier(move_alias, "dunning_limitation_date")
    return SQL(
        """(%(limit)s IS NOT NULL
            AND %(limit)s <= %(date)s + COALESCE(
                (SELECT lp.limitation_alert_days FROM account_dunning_policy lp
                  WHERE lp.id = %(policy)s), %(default)s))""",
        limit=limit,
        date=date,
        policy=policy,
        default=LIMITATION_ALERT_DAYS,
    )


def notice_ahead_sql(level_alias, policy):
    """The SQL twin of the second half of
    `account.dunning.limitation._get_step`: whether the first formal
    notice of `policy` (an SQL expression) is still ahead of an invoice at
    the level of `level_alias` (NULL before any reminder)."""
    return SQL(
        """COALESCE((SELECT fl.delay FROM account_dunning_level fl
                      WHERE fl.policy_id = %(policy)s AND fl.is_formal_notice
                   ORDER BY fl.sequence, fl.delay, fl.id LIMIT 1)
                    > COALESCE(%(current)s, -2147483648), FALSE)""",
        policy=policy,
        current=SQL.identifier(level_alias, "delay"),
    )


class DunningContacts:
    """The customers, the addresses their invoices went to, and their contacts
    (the active children, who may hold roles, and below the individuals among
    them the descendants where an invoice address is looked for), read in one
    query; and the rule that chooses whom a reminder goes to."""

    def __init__(self, env, partner_ids, other_ids=(), company=None):
        """`company` reminds: contacts that belong to another company (one it
        does not share records with) are never used."""
        self.partner_ids = list(partner_ids)
        company = company or env.company
        companies = company.parent_ids.ids or company.ids
        self.by_id = {}
        self.children = defaultdict(list)
        if not self.partner_ids:
            return
        env["res.partner"].flush_model()
        env.cr.execute(
            SQL(
                """
                WITH RECURSIVE tree AS (
                    SELECT c.id, c.is_company
                      FROM res_partner c
                     WHERE c.parent_id = ANY(%(partners)s) AND c.active
                       AND (c.company_id IS NULL
                            OR c.company_id = ANY(%(companies)s))
                 UNION ALL
                    SELECT c.id, c.is_company
                      FROM res_partner c
                      JOIN tree t ON c.parent_id = t.id
                     WHERE c.active AND NOT c.is_company AND NOT t.is_company
                       AND (c.company_id IS NULL
                            OR c.company_id = ANY(%(companies)s))
                )
                SELECT p.id, p.complete_name, p.parent_id,
                       COALESCE(p.is_company, FALSE), p.type, p.email, p.phone,
                       p.phone_sanitized, p.mobile, p.street, p.zip, p.city,
                       COALESCE(p.message_bounce, 0),
                       ARRAY(SELECT r.account_dunning_role_id
                               FROM account_dunning_role_res_partner_rel r
                              WHERE r.res_partner_id = p.id)
                  FROM res_partner p
                 WHERE p.id IN (SELECT id FROM tree) OR p.id = ANY(%(others)s)
              ORDER BY p.complete_name, p.id DESC
                """,
                partners=self.partner_ids,
                others=list(set(other_ids).union(self.partner_ids)),
                companies=companies,
            )
        )
        customers = set(self.partner_ids)
        for row in env.cr.fetchall():
            contact = Contact(*row[:13], frozenset(row[13]))
            self.by_id[contact.id] = contact
            # in res.partner's order, as child_ids lists them
            if contact.parent_id and contact.id not in customers:
                self.children[contact.parent_id].append(contact)

    def __getitem__(self, partner_id):
        return self.by_id[partner_id]

    def get_recipients(self, partner_id, role_ids, invoice_partner_ids):
        """Contacts holding one of the level's roles, else the invoice address
        (the one the invoices went to, or the customer's invoice address), else
        the customer itself."""
        role_ids = set(role_ids)
        if role_ids:
            holders = [
                contact.id
                for contact in self.children[partner_id]
                if contact.role_ids & role_ids
            ]
            if holders:
                return holders
        addresses = list(
            dict.fromkeys(pid for pid in invoice_partner_ids if pid != partner_id)
        )
        return addresses or [self.get_invoice_address(partner_id)]

    def get_invoice_address(self, partner_id):
        """`address_get(["invoice"])` of a customer: the first invoice-type
        contact met going down its individuals depth first, else the first
        contact-type one, else the customer."""
        found = {}
        to_scan = [self.by_id[partner_id]] if partner_id in self.by_id else []
        while to_scan:
            contact = to_scan.pop(0)
            found.setdefault(contact.type, contact.id)
            if "invoice" in found and "contact" in found:
                break
            to_scan = [
                child for child in self.children[contact.id] if not child.is_company
            ] + to_scan
        return found.get("invoice") or found.get("contact") or partner_id
