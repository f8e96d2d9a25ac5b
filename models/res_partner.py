from odoo import _, fields, models
from odoo.tools import SQL

from .dunning_snapshot import DunningContacts


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    def _compute_dunning_amounts(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        self.dunning_currency_id = company.currency_id
        commercial = self.commercial_partner_id
        rows = self.env["account.move"]._read_group(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("amount_residual", ">", 0),
                ("commercial_partner_id", "in", commercial.ids),
            ],
            ["commercial_partner_id"],
            ["dunning_level_id:array_agg", "dunning_last_date:max"],
        )
        overdue = dict(
            self.env["account.move"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("amount_residual", ">", 0),
                    ("commercial_partner_id", "in", commercial.ids),
                    ("invoice_date_due", "<", today),
                ],
                ["commercial_partner_id"],
                ["amount_residual_signed:sum"],
            )
        )
        levels_by_partner = {}
        last_by_partner = {}
        Level = self.env["account.dunning.level"]
        for partner, level_ids, last_date in rows:
            levels = Level.browse([lid for lid in level_ids if lid])
            levels_by_partner[partner] = (
                levels.sorted("delay")[-1:] if levels else Level
            )
            last_by_partner[partner] = last_date
        for partner in self:
            key = partner.commercial_partner_id
            partner.dunning_level_id = levels_by_partner.get(key, Level)
            partner.dunning_last_date = last_by_partner.get(key)
            partner.dunning_overdue_amount = overdue.get(key, 0.0)

    def _compute_dunning_payment_behaviour(self):
        """Days late = date of the last payment matched with the invoice minus its
        due date, over the invoices fully paid in the last twelve months."""
        self.env.flush_all()
        today = fields.Date.context_today(self)
        commercial = self.commercial_partner_id
        behaviour = {}
        if commercial:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT m.commercial_partner_id,
                           AVG(GREATEST(pay.paid_on - m.invoice_date_due, 0)),
                           AVG(CASE WHEN pay.paid_on > m.invoice_date_due
                                    THEN 1.0 ELSE 0.0 END)
                      FROM account_move m
                      JOIN LATERAL (
                            SELECT MAX(p.max_date) AS paid_on
                              FROM account_move_line l
                              JOIN account_partial_reconcile p
                                ON p.debit_move_id = l.id
                             WHERE l.move_id = m.id
                           ) pay ON pay.paid_on IS NOT NULL
                     WHERE m.company_id = %(company)s
                       AND m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND m.payment_state IN ('paid', 'in_payment')
                       AND m.commercial_partner_id IN %(partners)s
                       AND pay.paid_on > %(since)s
                  GROUP BY m.commercial_partner_id
                    """,
                    company=self.env.company.id,
                    partners=tuple(commercial.ids),
                    since=today.replace(year=today.year - 1),
                )
            )
            behaviour = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for partner in self:
            days, ratio = behaviour.get(partner.commercial_partner_id.id, (0.0, 0.0))
            partner.dunning_avg_days_late = float(days)
            partner.dunning_late_ratio = float(ratio)

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

    def _dunning_to_reconcile_sql(self):
        """Commercial partners with open invoices and unapplied credits."""
        return SQL(
            """
            SELECT p.commercial_partner_id
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = %(company)s
               AND a.account_type = 'asset_receivable'
               AND l.parent_state = 'posted'
               AND NOT l.reconciled
          GROUP BY p.commercial_partner_id
            HAVING BOOL_OR(l.amount_residual < 0) AND BOOL_OR(l.amount_residual > 0)
            """,
            company=self.env.company.id,
        )

    def _compute_dunning_to_reconcile(self):
        self.env.flush_all()
        self.env.cr.execute(self._dunning_to_reconcile_sql())
        flagged = {row[0] for row in self.env.cr.fetchall()}
        for partner in self:
            partner.dunning_to_reconcile = partner.commercial_partner_id.id in flagged

    def _search_dunning_to_reconcile(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("Unsupported search on “To reconcile”."))
        self.env.flush_all()
        self.env.cr.execute(self._dunning_to_reconcile_sql())
        ids = [row[0] for row in self.env.cr.fetchall()]
        positive = (operator == "=") == value
        return [("commercial_partner_id", "in" if positive else "not in", ids)]

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_dunning_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_action_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

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
