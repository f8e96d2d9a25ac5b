"""Everything the addon adds to customers, by topic. Over 600 lines because an
extended model lives in exactly one file (one model, one file)."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models

from ..lib.customer_sql import to_reconcile_sql
from ..lib.snapshot import DunningContacts

RISKS = [("normal", "Normal"), ("watch", "To watch"), ("high", "High")]
DEBTOR_CATEGORIES = [
    ("b2b", "Professional"),
    ("b2c", "Private person"),
    ("b2g", "Public buyer"),
]


class ResPartner(models.Model):
    """The customer as the credit controller sees it: how it is reminded, what
    it owes, how it pays, what it said and what the law says of it."""

    _name = "res.partner"
    _inherit = [
        "res.partner",
        "account.dunning.schedule.mixin",
        "account.dunning.limitation",
    ]

    # ------------------------------------------------------------
    # FIELDS: how the customer is reminded
    # ------------------------------------------------------------

    dunning_policy_id = fields.Many2one(
        "account.dunning.policy",
        string="Dunning policy",
        company_dependent=True,
        domain="[('company_id', '=', current_company_id)]",
        help="Overrides the company's default policy for this customer.",
    )
    dunning_responsible_id = fields.Many2one(
        "res.users",
        string="Credit controller",
        company_dependent=True,
        help="Receives the phone-call tasks; defaults to the salesperson, then to "
        "the company's credit controller.",
    )
    dunning_blocked = fields.Boolean(
        string="No reminders",
        tracking=True,
        help="Never remind this customer (e.g. handled by a lawyer).",
    )
    dunning_paused_until = fields.Date(string="Reminders paused until", tracking=True)
    dunning_note = fields.Text(
        string="Dunning notes",
        help="How this customer validates and pays invoices (purchase order "
        "required, approval circuit, supplier portal...). Keep it factual: the "
        "customer may read it through their right of access.",
    )
    dunning_proceedings = fields.Selection(
        [
            ("safeguard", "Safeguard (sauvegarde)"),
            ("receivership", "Receivership (redressement judiciaire)"),
            ("liquidation", "Liquidation (liquidation judiciaire)"),
        ],
        string="Collective proceedings",
        tracking=True,
        help="Once the opening judgment is published, reminders and penalties stop; "
        "the claim must be declared to the court-appointed representative.",
    )
    dunning_proceedings_date = fields.Date(
        string="Proceedings published on",
        help="Date of publication of the opening judgment in the BODACC.",
    )
    dunning_role_ids = fields.Many2many(
        "account.dunning.role",
        string="Dunning roles",
        help="Roles of this contact in the customer's organisation; reminder levels "
        "address the contacts holding their roles.",
    )
    is_public_entity = fields.Boolean(
        string="Public entity",
        help="Public buyer (administration, local authority, hospital): slower "
        "policy, invoices through Chorus Pro.",
    )
    dunning_chorus_service_code = fields.Char(
        string="Chorus Pro service code",
        help="Code of the public buyer's service that receives and certifies the "
        "invoices on Chorus Pro.",
    )

    # ------------------------------------------------------------
    # FIELDS: the customer's page (account.dunning.portal)
    # ------------------------------------------------------------

    dunning_access_token = fields.Char(
        string="Customer page token",
        compute="_compute_dunning_access_token",
        store=True,
        copy=False,
        index="btree_not_null",
        groups="account.group_account_invoice",
        help="Opens the customer's page without login; given by every reminder. "
        "Held by the commercial entity only.",
    )
    dunning_access_token_date = fields.Date(
        string="Customer page link issued on",
        compute="_compute_dunning_access_token",
        store=True,
        copy=False,
        groups="account.group_account_invoice",
    )
    dunning_portal_url = fields.Char(
        string="Customer page",
        compute="_compute_dunning_portal_url",
        groups="account.group_account_invoice",
        help="The link every reminder gives: the customer sees its open invoices "
        "there, pays, promises, disputes or says it has paid.",
    )

    # ------------------------------------------------------------
    # FIELDS: penalties and the law
    # ------------------------------------------------------------

    dunning_debtor_category = fields.Selection(
        DEBTOR_CATEGORIES,
        string="Debtor category",
        compute="_compute_dunning_debtor_category",
        store=True,
        readonly=False,
        help="Decides the late-payment penalties: professionals owe interest from "
        "the day after the due date plus a 40 € indemnity per invoice; public "
        "buyers owe moratorium interest plus 40 €; private persons owe only "
        "legal interest from the formal notice.",
    )
    dunning_legal_form = fields.Char(
        string="Legal form",
        help="SAS, SARL, SA, EI...: the requête en injonction de payer names the "
        "debtor's legal form.",
    )
    dunning_public_hospital = fields.Boolean(
        string="Public hospital",
        help="Public health institution: the legal payment period is 50 days "
        "instead of 30.",
    )
    dunning_contract_rate = fields.Float(
        string="Contractual penalty rate (%)",
        digits=(16, 2),
        help="Late-payment rate agreed with this customer; empty: the rate of the "
        "policy, else the legal default (ECB rate + 10 points).",
    )

    dunning_payment_term_warning = fields.Char(
        string="Payment term warning",
        compute="_compute_dunning_payment_term_warning",
        help="The customer's payment term is over the legal maximum.",
    )
    dunning_claim_deadline = fields.Date(
        string="Declare the claim before",
        compute="_compute_dunning_claim_deadline",
        help="Last day to declare the claim to the court-appointed representative: "
        "two months after the publication of the opening judgment in the BODACC, "
        "four months for a creditor outside mainland France (C. com. R622-24).",
    )

    # ------------------------------------------------------------
    # FIELDS: where the customer stands
    # ------------------------------------------------------------

    dunning_level_id = fields.Many2one(
        "account.dunning.level",
        string="Dunning level",
        compute="_compute_dunning_amounts",
        help="Highest level reached by the customer's open invoices.",
    )
    dunning_overdue_amount = fields.Monetary(
        string="Overdue amount",
        compute="_compute_dunning_amounts",
        currency_field="dunning_currency_id",
    )
    dunning_currency_id = fields.Many2one(
        "res.currency", compute="_compute_dunning_amounts"
    )
    dunning_last_date = fields.Date(
        string="Last reminder", compute="_compute_dunning_amounts"
    )
    dunning_avg_days_late = fields.Float(
        string="Average days late",
        compute="_compute_dunning_payment_behaviour",
        digits=(16, 1),
        help="Over the invoices paid in the last twelve months.",
    )
    dunning_late_ratio = fields.Float(
        string="Invoices paid late",
        compute="_compute_dunning_payment_behaviour",
        help="Share of the invoices paid in the last twelve months that were paid "
        "after their due date.",
    )
    dunning_action_count = fields.Integer(compute="_compute_dunning_action_count")
    dunning_to_reconcile = fields.Boolean(
        string="To reconcile",
        compute="_compute_dunning_to_reconcile",
        search="_search_dunning_to_reconcile",
        help="The customer has open invoices and unapplied payments or credit "
        "notes: reconcile before reminding.",
    )
    dunning_who_to_remind = fields.Html(
        string="Who to remind",
        compute="_compute_dunning_who_to_remind",
        sanitize=False,
        help="Recipients of each level of the customer's policy, from the contact "
        "roles, else the invoice address, else the customer itself.",
    )
    dunning_dispute_count = fields.Integer(
        string="Open disputes", compute="_compute_dunning_status"
    )
    dunning_promise_count = fields.Integer(
        string="Open promises", compute="_compute_dunning_status"
    )
    dunning_promise_broken = fields.Boolean(
        string="Promise broken",
        compute="_compute_dunning_status",
        help="A promise of payment was broken and its invoices are still unpaid.",
    )
    dunning_broken_promise_count = fields.Integer(
        string="Broken promises (12 months)",
        compute="_compute_dunning_payment_behaviour",
    )
    dunning_risk = fields.Selection(
        RISKS,
        string="Payment risk",
        compute="_compute_dunning_payment_behaviour",
        help="From the last twelve months: high after two broken promises of "
        "payment, or when half of the invoices were paid a month late on "
        "average; to watch after one broken promise, or when half of the "
        "invoices were paid late, or a fortnight late on average.",
    )
    dunning_formal_notice_sent = fields.Boolean(
        string="Formal notice sent", compute="_compute_dunning_status"
    )
    dunning_schedule_running = fields.Boolean(
        string="Schedule running", compute="_compute_dunning_status"
    )
    dunning_status = fields.Char(
        string="Dunning status", compute="_compute_dunning_status"
    )
    dunning_schedule_ids = fields.One2many(
        "account.dunning.schedule", "partner_id", string="Payment schedules"
    )
    dunning_schedule_count = fields.Integer(compute="_compute_dunning_schedule_count")
    dunning_litigation_count = fields.Integer(
        string="Litigation cases", compute="_compute_dunning_litigation"
    )
    dunning_in_litigation = fields.Boolean(
        string="In litigation",
        compute="_compute_dunning_litigation",
        help="An open case handed over to litigation: the customer gets no "
        "amicable reminder.",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends_context("company")
    def _compute_dunning_amounts(self):
        company = self.env.company
        today = self.env["account.dunning.run"]._company_today(company)
        self.dunning_currency_id = company.currency_id
        Move = self.env["account.move"]
        domain = self.env["account.dunning.rule"]._get_open_invoice_domain(company) + [
            ("commercial_partner_id", "in", self.commercial_partner_id.ids)
        ]
        rows = Move._read_group(
            domain,
            ["commercial_partner_id"],
            ["dunning_level_id:array_agg", "dunning_last_date:max"],
        )
        overdue = dict(
            Move._read_group(
                domain + [("invoice_date_due", "<", today)],
                ["commercial_partner_id"],
                ["amount_residual_signed:sum"],
            )
        )
        levels_by_partner = {}
        last_by_partner = {}
        Level = self.env["account.dunning.level"]
        for partner, level_ids, last_date in rows:
            levels = Level.browse([lid for lid in level_ids if lid])
            levels_by_partner[partner] = levels.sorted("delay")[-1:]
            last_by_partner[partner] = last_date
        for partner in self:
            key = partner.commercial_partner_id
            partner.dunning_level_id = levels_by_partner.get(key, Level)
            partner.dunning_last_date = last_by_partner.get(key)
            partner.dunning_overdue_amount = overdue.get(key, 0.0)

    @api.depends_context("company")
    def _compute_dunning_payment_behaviour(self):
        """How the customer paid over twelve months and the risk it makes: the
        rule's SQL, which the work queue's priority uses too."""
        company = self.env.company
        commercial = self.commercial_partner_id
        behaviour = self.env["account.dunning.rule"]._read_payment_behaviour(
            company,
            [pid for pid in commercial.ids if isinstance(pid, int)],
            self.env["account.dunning.run"]._company_today(company),
        )
        for partner in self:
            days, ratio, broken, risk = behaviour.get(
                partner.commercial_partner_id.id, (0.0, 0.0, 0, "normal")
            )
            partner.dunning_avg_days_late = float(days)
            partner.dunning_late_ratio = float(ratio)
            partner.dunning_broken_promise_count = broken
            partner.dunning_risk = risk

    def _compute_dunning_action_count(self):
        counts = dict(
            self.env["account.dunning.action"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.dunning_action_count = counts.get(partner.commercial_partner_id, 0)

    @api.depends_context("company")
    def _compute_dunning_to_reconcile(self):
        flagged = self._get_dunning_to_reconcile_ids(self.commercial_partner_id.ids)
        for partner in self:
            partner.dunning_to_reconcile = partner.commercial_partner_id.id in flagged

    def _search_dunning_to_reconcile(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(
                self.env._("Unsupported search on “To reconcile”.")
            )
        ids = list(self._get_dunning_to_reconcile_ids())
        positive = (operator == "=") == value
        return [("commercial_partner_id", "in" if positive else "not in", ids)]

    @api.depends("parent_id", "is_company")
    def _compute_dunning_access_token(self):
        """A commercial entity gets its link once (created, or its contact made
        a company); a contact has none: its company's page is the customer's."""
        Portal = self.env["account.dunning.portal"]
        today = Portal._get_today(self.env.company)
        for partner in self:
            if partner.parent_id and not partner.is_company:
                partner.dunning_access_token = False
                partner.dunning_access_token_date = False
            elif not partner.dunning_access_token:
                partner.dunning_access_token = Portal._new_token()
                partner.dunning_access_token_date = today

    @api.depends("dunning_access_token")
    @api.depends_context("company")
    def _compute_dunning_portal_url(self):
        for partner in self:
            partner.dunning_portal_url = (
                partner.dunning_access_token
                and partner._get_dunning_portal_url(self.env.company)
            )

    @api.depends("is_public_entity", "is_company", "vat")
    def _compute_dunning_debtor_category(self):
        for partner in self:
            if partner.is_public_entity:
                partner.dunning_debtor_category = "b2g"
            elif partner.is_company or partner.vat:
                partner.dunning_debtor_category = "b2b"
            else:
                partner.dunning_debtor_category = "b2c"

    @api.depends(
        "property_payment_term_id", "dunning_debtor_category", "dunning_public_hospital"
    )
    @api.depends_context("company")
    def _compute_dunning_payment_term_warning(self):
        Term = self.env["account.payment.term"]
        for partner in self:
            partner.dunning_payment_term_warning = Term._get_dunning_partner_warning(
                partner, self.env.company
            )

    @api.depends("dunning_proceedings", "dunning_proceedings_date")
    @api.depends_context("company")
    def _compute_dunning_claim_deadline(self):
        creditor = self.env.company.partner_id
        months = 2 if creditor._is_in_mainland_france() else 4
        for partner in self:
            published = partner.dunning_proceedings and partner.dunning_proceedings_date
            partner.dunning_claim_deadline = published and published + relativedelta(
                months=months
            )

    @api.depends("dunning_schedule_ids")
    def _compute_dunning_schedule_count(self):
        counts = dict(
            self.env["account.dunning.schedule"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.dunning_schedule_count = counts.get(partner, 0)

    @api.depends_context("company")
    def _compute_dunning_who_to_remind(self):
        company = self.env.company
        commercial = self.commercial_partner_id
        moves_by_partner = (
            self.env["account.move"]
            .search(
                self.env["account.dunning.rule"]._get_open_invoice_domain(company)
                + [("commercial_partner_id", "in", commercial.ids)]
            )
            .grouped("commercial_partner_id")
        )
        contacts = commercial._get_dunning_contacts(
            self.env["account.move"].union(*moves_by_partner.values())
        )
        for partner in self:
            customer = partner.commercial_partner_id
            policy = customer._get_dunning_policy(company)
            if not policy or not partner.id:
                partner.dunning_who_to_remind = False
                continue
            moves = moves_by_partner.get(customer, self.env["account.move"])
            rows = Markup().join(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td></tr>")
                % (
                    level.name,
                    ", ".join(level.role_ids.mapped("name")) or "-",
                    ", ".join(
                        contact.email_formatted or contact.display_name
                        for contact in customer._get_dunning_recipients(
                            level, moves, contacts
                        )
                    ),
                )
                for level in policy._get_ordered_levels()
            )
            partner.dunning_who_to_remind = Markup(
                "<table class='table table-sm'><tr><th>%s</th><th>%s</th>"
                "<th>%s</th></tr>%s</table>"
            ) % (
                self.env._("Level"),
                self.env._("Roles"),
                self.env._("Recipients"),
                rows,
            )

    @api.depends_context("company")
    def _compute_dunning_litigation(self):
        """Cases of the customer in the current company; in litigation by the
        rule's domain (`account.dunning.rule._get_litigation_domain`)."""
        company = self.env.company
        Rule = self.env["account.dunning.rule"]
        Litigation = self.env["account.dunning.litigation"]
        commercial = self.commercial_partner_id
        counts = dict(
            Litigation._read_group(
                [("company_id", "=", company.id), ("partner_id", "in", commercial.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        litigated = Litigation.search(
            Rule._get_litigation_domain(company, Rule._get_company_today(company))
            + [("partner_id", "in", commercial.ids)]
        ).partner_id
        for partner in self:
            partner.dunning_litigation_count = counts.get(
                partner.commercial_partner_id, 0
            )
            partner.dunning_in_litigation = partner.commercial_partner_id in litigated

    @api.depends_context("company")
    def _compute_dunning_status(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        commercial = self.commercial_partner_id
        of_customers = [
            ("company_id", "=", company.id),
            ("partner_id", "in", commercial.ids),
        ]
        disputes = dict(
            self.env["account.dunning.dispute"]._read_group(
                of_customers + [("state", "=", "open")], ["partner_id"], ["__count"]
            )
        )
        Promise = self.env["account.dunning.promise"]
        promises = dict(
            Promise._read_group(
                of_customers + [("state", "=", "open")], ["partner_id"], ["__count"]
            )
        )
        broken_unpaid = {
            promise.partner_id.id
            for promise in Promise.search(
                of_customers
                + [
                    ("state", "=", "broken"),
                    ("closed_date", ">", today - timedelta(days=365)),
                ]
            )
            if any(move.amount_residual > 0 for move in promise.move_ids)
        }
        Move = self.env["account.move"]
        open_domain = self.env["account.dunning.rule"]._get_open_invoice_domain(
            company
        ) + [("commercial_partner_id", "in", commercial.ids)]
        noticed = {
            partner.id
            for (partner,) in Move._read_group(
                open_domain + [("dunning_level_id.is_formal_notice", "=", True)],
                ["commercial_partner_id"],
            )
        }
        scheduled = {
            partner.id
            for (partner,) in Move._read_group(
                open_domain + [("dunning_schedule_id.state", "=", "active")],
                ["commercial_partner_id"],
            )
        }
        labels = {
            "dispute": self.env._("In dispute"),
            "promise": self.env._("Promise pending"),
            "broken": self.env._("Promise broken"),
            "schedule": self.env._("Schedule running"),
            "notice": self.env._("Formal notice sent"),
        }
        for partner in self:
            key = partner.commercial_partner_id
            partner.dunning_dispute_count = disputes.get(key, 0)
            partner.dunning_promise_count = promises.get(key, 0)
            partner.dunning_promise_broken = key.id in broken_unpaid
            partner.dunning_formal_notice_sent = key.id in noticed
            partner.dunning_schedule_running = key.id in scheduled
            flags = {
                "dispute": partner.dunning_dispute_count,
                "promise": partner.dunning_promise_count,
                "broken": partner.dunning_promise_broken,
                "schedule": partner.dunning_schedule_running,
                "notice": partner.dunning_formal_notice_sent,
            }
            partner.dunning_status = ", ".join(
                labels[flag] for flag, value in flags.items() if value
            )

    # ------------------------------------------------------------
    # CONSTRAINT AND ONCHANGE METHODS
    # ------------------------------------------------------------

    @api.constrains("dunning_contract_rate")
    def _check_dunning_contract_rate(self):
        self.env["account.dunning.rate"]._check_contract_rate_floor(
            self, "dunning_contract_rate"
        )

    @api.onchange(
        "property_payment_term_id", "dunning_debtor_category", "dunning_public_hospital"
    )
    def _onchange_dunning_payment_term_warning(self):
        message = self.dunning_payment_term_warning
        return self.env["account.payment.term"]._get_dunning_warning_popup(message)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_dunning_wizard(self):
        """Open "Relancer" on every open invoice of these customers."""
        return self.env["account.dunning.wizard"]._get_open_action(
            "res.partner", self.ids
        )

    def action_dunning_log_call(self):
        self.ensure_one()
        return self.env["account.dunning.call.wizard"]._get_log_call_action(
            self.commercial_partner_id
        )

    def action_open_dunning_actions(self):
        return self._get_dunning_records_action("account_dunning_action_action")

    def action_dunning_revoke_link(self):
        """Revoke the link to the customer's page (lost letter, former
        employee...) and issue a new one: the next reminders give the new
        link, the old one opens nothing."""
        self.env["account.dunning.portal"]._revoke_link(self.commercial_partner_id)
        return True

    def action_open_dunning_promises(self):
        return self._get_dunning_records_action("account_dunning_promise_action")

    def action_open_dunning_disputes(self):
        return self._get_dunning_records_action("account_dunning_dispute_action")

    def action_open_dunning_schedules(self):
        return self._get_dunning_records_action("account_dunning_schedule_action")

    def action_open_dunning_litigations(self):
        return self._get_dunning_records_action("account_dunning_litigation_action")

    def action_dunning_hand_over(self):
        """Hand the customer's overdue invoices over to litigation."""
        self.ensure_one()
        return self.env["account.dunning.litigation.wizard"]._get_open_action(
            self.commercial_partner_id
        )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_dunning_records_action(self, action_xmlid):
        """The records of the addon's action `action_xmlid` (history, promises,
        disputes, schedules) that concern this customer."""
        self.ensure_one()
        customer = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            f"account_dunning.{action_xmlid}"
        )
        action["domain"] = [("partner_id", "=", customer.id)]
        action["context"] = {"default_partner_id": customer.id}
        return action

    def _get_dunning_portal_url(self, company=None):
        """The link to the customer's page (commercial entity), opened without
        login, for the reminders of `company`: `account.dunning.portal`."""
        self.ensure_one()
        return self.env["account.dunning.portal"]._get_url(
            self.commercial_partner_id, company
        )

    def _get_dunning_policy(self, company=None):
        """The customer's policy in `company` (default: the current one): its
        own, else the company's default."""
        company = company or self.env.company
        customer = self.commercial_partner_id.with_company(company)
        return customer.dunning_policy_id or company.dunning_policy_id

    def _get_dunning_responsible(self):
        """Who calls: the credit controller, else the salesperson, else the
        company's default credit controller."""
        self.ensure_one()
        return (
            self.dunning_responsible_id
            or self.user_id
            or self.env.company.dunning_user_id
            or self.env["res.users"]
        )

    def _get_dunning_contacts(self, moves):
        """The contacts of these customers and the addresses their invoices
        `moves` went to, read at once, for `_get_dunning_recipients`."""
        return DunningContacts(
            self.env,
            [pid for pid in self.commercial_partner_id.ids if isinstance(pid, int)],
            moves.partner_id.ids,
        )

    def _get_dunning_recipients(self, level, moves, contacts=None):
        """Contacts holding the level's roles, else the invoice address (the one
        the invoices went to, or the customer's invoice address), else the
        customer itself: the engine's rule (`DunningContacts`). Pass the
        `contacts` of `_get_dunning_contacts` when asking for many customers
        or levels."""
        self.ensure_one()
        contacts = contacts or self._get_dunning_contacts(moves)
        return self.browse(
            contacts.get_recipients(self.id, level.role_ids.ids, moves.partner_id.ids)
        )

    @api.model
    def _get_dunning_to_reconcile_ids(self, partner_ids=None):
        """Customers (among `partner_ids`, default all) with open invoices and
        unapplied payments or credit notes in the current company."""
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(to_reconcile_sql(self.env.company.id, partner_ids))
        return {row[0] for row in self.env.cr.fetchall()}

    def _get_schedule_partner_company(self):
        return self.commercial_partner_id, self.env.company

    def _is_in_mainland_france(self):
        """France without its overseas departments and territories (postcodes
        97x and 98x); a partner without a country counts as French."""
        self.ensure_one()
        if self.country_id and self.country_id.code != "FR":
            return False
        return not (self.zip or "").strip().startswith(("97", "98"))
