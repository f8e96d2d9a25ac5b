from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

# Reminder state fields of an invoice -> columns of account.dunning.move.state
DUNNING_STATE_COLUMNS = {
    "dunning_level_id": "level_id",
    "dunning_last_date": "last_date",
    "dunning_count": "reminder_count",
}


class AccountMove(models.Model):
    _inherit = "account.move"

    # Where the invoice stands, read from its reminders history
    # (account.dunning.move.state): searchable, groupable and sortable through
    # `_field_to_sql`, never written.
    dunning_level_id = fields.Many2one(
        "account.dunning.level",
        string="Dunning level",
        compute="_compute_dunning_state",
        search="_search_dunning_level_id",
        help="Level of the last reminder sent (or waiting to be printed) about "
        "this invoice.",
    )
    dunning_last_date = fields.Date(
        string="Last reminder",
        compute="_compute_dunning_state",
        search="_search_dunning_last_date",
    )
    dunning_count = fields.Integer(
        string="Reminders",
        compute="_compute_dunning_state",
        search="_search_dunning_count",
        help="Days on which this invoice was reminded.",
    )
    dunning_excluded = fields.Boolean(
        string="Excluded from reminders", copy=False, tracking=True
    )
    is_disputed = fields.Boolean(
        string="In dispute",
        compute="_compute_is_disputed",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        help="An open dispute whose reason pauses reminders covers this invoice.",
    )
    dunning_promise_date = fields.Date(
        string="Promised payment date",
        compute="_compute_dunning_promise_date",
        store=True,
        readonly=False,
        copy=False,
        tracking=True,
        help="Date of the open promise of payment covering this invoice: no "
        "reminder until this date plus the grace days.",
    )
    dunning_dispute_ids = fields.Many2many(
        "account.dunning.dispute",
        "account_dunning_dispute_move_rel",
        "move_id",
        "dispute_id",
        string="Disputes",
        copy=False,
        readonly=True,
    )
    dunning_promise_ids = fields.Many2many(
        "account.dunning.promise",
        "account_dunning_promise_move_rel",
        "move_id",
        "promise_id",
        string="Promises of payment",
        copy=False,
        readonly=True,
    )
    dunning_hold = fields.Selection(
        [
            ("dispute", "Dispute"),
            ("promise", "Promise"),
            ("excluded", "Excluded"),
        ],
        string="Hold",
        compute="_compute_dunning_hold",
        help="Why the invoice gets no reminder now.",
    )
    dunning_action_line_ids = fields.One2many(
        "account.dunning.action.line", "move_id", string="Reminders history"
    )
    dunning_action_count = fields.Integer(compute="_compute_dunning_action_count")
    dunning_next_date = fields.Date(
        string="Next reminder",
        compute="_compute_dunning_next",
        help="Earliest date of the next level under the customer's policy.",
    )
    dunning_next_level_id = fields.Many2one(
        "account.dunning.level",
        string="Next level",
        compute="_compute_dunning_next",
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends(
        "dunning_action_line_ids.state",
        "dunning_action_line_ids.level_id",
        "dunning_action_line_ids.date",
    )
    def _compute_dunning_state(self):
        Level = self.env["account.dunning.level"]
        states = self.env["account.dunning.move.state"]._read_states(
            [move_id for move_id in self.ids if isinstance(move_id, int)]
        )
        for move in self:
            level_id, last_date, count = states.get(move.id, (False, False, 0))
            move.dunning_level_id = Level.browse(level_id)
            move.dunning_last_date = last_date
            move.dunning_count = count

    def _search_dunning_level_id(self, operator, value):
        return self._search_dunning_state("level_id", operator, value)

    def _search_dunning_last_date(self, operator, value):
        return self._search_dunning_state("last_date", operator, value)

    def _search_dunning_count(self, operator, value):
        return self._search_dunning_state("reminder_count", operator, value)

    @api.depends("dunning_dispute_ids.state", "dunning_dispute_ids.pauses_dunning")
    def _compute_is_disputed(self):
        for move in self:
            move.is_disputed = any(
                dispute.state == "open" and dispute.pauses_dunning
                for dispute in move.dunning_dispute_ids
            )

    @api.depends("dunning_promise_ids.state", "dunning_promise_ids.date")
    def _compute_dunning_promise_date(self):
        for move in self:
            dates = [
                promise.date
                for promise in move.dunning_promise_ids
                if promise.state == "open"
            ]
            move.dunning_promise_date = max(dates) if dates else False

    @api.depends("is_disputed", "dunning_promise_date", "dunning_excluded")
    def _compute_dunning_hold(self):
        for move in self:
            if move.is_disputed:
                move.dunning_hold = "dispute"
            elif move.dunning_promise_date:
                move.dunning_hold = "promise"
            elif move.dunning_excluded:
                move.dunning_hold = "excluded"
            else:
                move.dunning_hold = False

    def _compute_dunning_action_count(self):
        counts = dict(
            self.env["account.dunning.action.line"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["action_id:count_distinct"]
            )
        )
        for move in self:
            move.dunning_action_count = counts.get(move, 0)

    @api.depends(
        "dunning_level_id",
        "invoice_date_due",
        "amount_residual",
        "commercial_partner_id",
    )
    def _compute_dunning_next(self):
        Level = self.env["account.dunning.level"]
        for move in self:
            move.dunning_next_date = False
            move.dunning_next_level_id = Level
            if not move._is_dunning_candidate():
                continue
            partner = move.commercial_partner_id.with_company(move.company_id)
            policy = partner.dunning_policy_id or move.company_id.dunning_policy_id
            current = move.dunning_level_id
            for level in policy._get_ordered_levels():
                if current and level.delay <= current.delay:
                    continue
                date = move.invoice_date_due + timedelta(days=level.delay)
                if level.delay < 0 and date < fields.Date.context_today(move):
                    continue
                move.dunning_next_level_id = level
                move.dunning_next_date = date
                break

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    def init(self):
        super().init()
        # The engine reads open customer invoices by company and customer.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_dunning_open_idx
                ON account_move (company_id, commercial_partner_id, invoice_date_due)
             WHERE move_type = 'out_invoice' AND state = 'posted'
               AND amount_residual > 0
            """
        )

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        # The reminder state is a correlated subquery on the history, so that
        # lists group and sort invoices by it and domains compare it in SQL.
        column = DUNNING_STATE_COLUMNS.get(fname)
        if not column:
            return super()._field_to_sql(alias, fname, query, flush)
        sql = self.env["account.dunning.move.state"]._column_sql(column, alias)
        return SQL("COALESCE(%s, 0)", sql) if column == "reminder_count" else sql

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_dunning_exclude(self):
        self._check_dunning_invoices()
        self.write({"dunning_excluded": True})
        return True

    def action_dunning_include(self):
        self._check_dunning_invoices()
        self.write({"dunning_excluded": False})
        return True

    def action_open_dunning_actions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_action_action"
        )
        action["domain"] = [("move_ids", "in", self.ids)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _search_dunning_state(self, column, operator, value):
        """Domain on the reminder state: invoices never reminded have no state
        row and hold an empty level and date and a count of zero."""
        # sudo: the state only tells the level of invoices the outer search
        # already restricts to what the user may read
        State = self.env["account.dunning.move.state"].sudo()
        matching = [("id", "in", State._search([(column, operator, value)]))]
        if State.new({}).filtered_domain([(column, operator, value)]):
            return expression.OR([matching, [("id", "not in", State._search([]))]])
        return matching

    @api.model
    def _get_dunning_read_fields(self):
        """Fields the engine reads in one query per batch."""
        return [
            "name",
            "company_id",
            "partner_id",
            "commercial_partner_id",
            "currency_id",
            "invoice_date_due",
            "amount_total",
            "amount_residual",
            "amount_residual_signed",
            "dunning_level_id",
            "dunning_excluded",
            "is_disputed",
            "dunning_promise_date",
        ]

    def _is_dunning_candidate(self):
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.invoice_date_due
            and self.currency_id.compare_amounts(self.amount_residual, 0) > 0
        )

    def _check_dunning_invoices(self):
        wrong = self.filtered(lambda m: m.move_type != "out_invoice")
        if wrong:
            raise UserError(
                _(
                    "Only customer invoices can be reminded: %(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
