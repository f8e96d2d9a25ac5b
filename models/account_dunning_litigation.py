"""A debt handed over to litigation after the formal notice (DOMAIN.md §4):
the route, the agent, what was recovered and how the books show the debt."""

import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .account_dunning_action import VALIDATED_STATES

ROUTES = [
    ("agency", "Collection agency"),
    ("bailiff", "Commissaire de justice"),
    ("small_claims", "Small claims (commissaire de justice)"),
    ("injunction", "Injonction de payer"),
    ("lawyer", "Lawyer"),
]


class AccountDunningLitigation(models.Model):
    """A case: invoices of one customer handed over to a collection agency, a
    commissaire de justice, an injonction de payer or a lawyer. While open,
    the customer gets no amicable reminder (skip cause `skip_litigation`)."""

    _name = "account.dunning.litigation"
    _description = "Litigation case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Case", required=True, readonly=True, copy=False, default="/"
    )
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
        "account_dunning_litigation_move_rel",
        "litigation_id",
        "move_id",
        string="Invoices",
        check_company=True,
    )
    route = fields.Selection(
        ROUTES,
        required=True,
        tracking=True,
    )
    agent_id = fields.Many2one(
        "res.partner",
        tracking=True,
        help="The agency, commissaire de justice or lawyer in charge.",
    )
    date = fields.Date(
        string="Handed over on",
        required=True,
        default=fields.Date.context_today,
        index=True,
        tracking=True,
    )
    fees = fields.Monetary(string="Agreed fees", tracking=True)
    amount_claimed = fields.Monetary(
        string="Handed over",
        readonly=True,
        copy=False,
        help="What the invoices still owed on the day they were handed over.",
    )
    amount_residual = fields.Monetary(
        string="Still due",
        compute="_compute_amount_residual",
        help="What the case's invoices still owe.",
    )
    recovered_amount = fields.Monetary(
        string="Recovered",
        compute="_compute_recovered_amount",
        help="Payments matched with the case's invoices on or after the day they "
        "were handed over: the customer's, and the agent's recoveries "
        "recorded as payments of the invoices.",
    )
    notice_action_id = fields.Many2one(
        "account.dunning.action",
        string="Formal notice",
        readonly=True,
        copy=False,
        help="The last formal notice sent to the customer before the hand-over.",
    )
    file_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Litigation file",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("paid", "Paid"),
            ("partial", "Partly paid"),
            ("lost", "Lost"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    closed_date = fields.Date(string="Closed on", readonly=True, copy=False)
    note = fields.Html()
    doubtful_move_id = fields.Many2one(
        "account.move",
        string="Transfer to doubtful",
        readonly=True,
        copy=False,
        check_company=True,
    )
    depreciation_move_ids = fields.Many2many(
        "account.move",
        "account_dunning_litigation_depreciation_rel",
        "litigation_id",
        "move_id",
        string="Depreciation entries",
        readonly=True,
        copy=False,
        check_company=True,
    )
    writeoff_move_id = fields.Many2one(
        "account.move",
        string="Write-off",
        readonly=True,
        copy=False,
        check_company=True,
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("move_ids.amount_residual")
    def _compute_amount_residual(self):
        for case in self:
            case.amount_residual = sum(
                move.amount_residual_signed for move in case.move_ids
            )

    @api.depends("move_ids.amount_residual", "date")
    def _compute_recovered_amount(self):
        """Payments (and bank statement lines) matched with the invoices'
        receivable lines on or after the hand-over, in one query: credit
        notes and the accounting of the case (write-off) are not recoveries."""
        recovered = {}
        cases = self.filtered("id")
        if cases:
            self.env["account.move.line"].flush_model()
            self.env["account.partial.reconcile"].flush_model()
            self.env["account.move"].flush_model(
                ["origin_payment_id", "statement_line_id"]
            )
            self.flush_model(["date", "move_ids"])
            self.env.cr.execute(
                SQL(
                    """
                    SELECT rel.litigation_id, SUM(apr.amount)
                      FROM account_dunning_litigation_move_rel rel
                      JOIN account_dunning_litigation lit
                        ON lit.id = rel.litigation_id
                      JOIN account_move_line l ON l.move_id = rel.move_id
                      JOIN account_account a ON a.id = l.account_id
                      JOIN account_partial_reconcile apr
                        ON apr.debit_move_id = l.id
                      JOIN account_move_line cl ON cl.id = apr.credit_move_id
                      JOIN account_move cm ON cm.id = cl.move_id
                     WHERE rel.litigation_id = ANY(%s)
                       AND a.account_type = 'asset_receivable'
                       AND apr.max_date >= lit.date
                       AND (cm.origin_payment_id IS NOT NULL
                            OR cm.statement_line_id IS NOT NULL)
                  GROUP BY rel.litigation_id
                    """,
                    cases._origin.ids,
                )
            )
            recovered = {row[0]: float(row[1]) for row in self.env.cr.fetchall()}
        for case in self:
            case.recovered_amount = recovered.get(case._origin.id, 0.0)

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("move_ids", "state", "partner_id")
    def _check_move_ids(self):
        """An invoice is in one open case at most, of its own customer."""
        for case in self:
            others = case.move_ids.filtered(
                lambda m, case=case: m.commercial_partner_id != case.partner_id
            )
            if others:
                raise ValidationError(
                    self.env._(
                        "Invoices %(invoices)s are not invoices of %(customer)s.",
                        invoices=", ".join(others.mapped("name")),
                        customer=case.partner_id.display_name,
                    )
                )
        opened = self.filtered(lambda c: c.state == "open")
        if not opened:
            return
        taken = self._get_open_cases(opened.move_ids, exclude=opened)
        for case in opened:
            for move in case.move_ids:
                other = (
                    taken.get(move.id)
                    or (
                        opened.filtered(
                            lambda c, move=move, case=case: c != case
                            and move in c.move_ids
                        )[:1]
                    )
                )
                if other:
                    raise ValidationError(
                        self.env._(
                            "Invoice %(invoice)s is already in the open case "
                            "%(case)s.",
                            invoice=move.name,
                            case=other.name,
                        )
                    )

    # ------------------------------------------------------------
    # CRUD METHODS
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("account.dunning.litigation")
                    or "/"
                )
        return super().create(vals_list)

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_hand_over(self):
        """From the case list (its header button, whatever is selected): hand
        a customer's invoices over."""
        return self.env["account.dunning.litigation.wizard"]._get_open_action()

    def action_register_payment(self):
        """Record a payment of the customer or a recovery the agent remitted:
        Odoo's payment of the case's invoices still owing; matched with them,
        it counts as recovered."""
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m.amount_residual > 0)
        if not moves:
            raise UserError(self.env._("The case's invoices owe nothing any more."))
        return moves.action_register_payment()

    def action_close_paid(self):
        self._check_open()
        owing = self.move_ids.filtered(lambda m: m.amount_residual > 0)
        if owing:
            raise UserError(
                self.env._(
                    "Invoices %(invoices)s still owe something: record the "
                    "payments, or close the case as partly paid or lost.",
                    invoices=", ".join(owing.mapped("name")),
                )
            )
        return self._close("paid")

    def action_close_partial(self):
        self._check_open()
        nothing = self.filtered(lambda c: c.currency_id.is_zero(c.recovered_amount))
        if nothing:
            raise UserError(
                self.env._(
                    "Nothing was recovered on %(cases)s: close it as lost.",
                    cases=", ".join(nothing.mapped("name")),
                )
            )
        return self._close("partial")

    def action_close_lost(self):
        self._check_open()
        return self._close("lost")

    def action_cancel(self):
        """Undo a hand-over before anything happened: the invoices go back
        where they were (their reminders history never changed, the
        reminders resume). Refused once something was recovered or the
        debt was entered in the books."""
        self._check_open()
        for case in self:
            if not case.currency_id.is_zero(case.recovered_amount):
                raise UserError(
                    self.env._(
                        "%(case)s cannot be cancelled: %(amount)s was already "
                        "recovered. Close it instead.",
                        case=case.name,
                        amount=case.currency_id.format(case.recovered_amount),
                    )
                )
            entries = (
                case.doubtful_move_id
                | case.depreciation_move_ids
                | case.writeoff_move_id
            )
            if entries.filtered(lambda move: move.state != "draft"):
                raise UserError(
                    self.env._(
                        "%(case)s cannot be cancelled: an entry of the debt "
                        "(doubtful, depreciation or write-off) is already "
                        "posted. Close it instead.",
                        case=case.name,
                    )
                )
        # drafts nobody posted yet go with the hand-over they were made for
        entries = (
            self.doubtful_move_id | self.depreciation_move_ids | self.writeoff_move_id
        )
        entries.unlink()
        return self._close("cancelled")

    def action_download_file(self):
        """The litigation file, one ZIP kept on the case (the last one
        replaces the previous)."""
        self.ensure_one()
        name = "{}.zip".format(re.sub(r"[^\w.-]+", "_", self.name))
        content = self.env["account.dunning.litigation.file"]._build(self)
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "mimetype": "application/zip",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        previous = self.file_attachment_id
        self.file_attachment_id = attachment
        previous.unlink()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def action_export_xlsx(self):
        """The selected cases as an Excel workbook for an agency."""
        return self.env["account.dunning.litigation.export"].action_export_cases(self)

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_open_cases(self, moves, exclude=None):
        """{invoice id: the open case holding it} among `moves`, but the cases
        `exclude`."""
        domain = [("state", "=", "open"), ("move_ids", "in", moves.ids)]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        result = {}
        for case in self.search(domain):
            for move in case.move_ids & moves:
                result.setdefault(move.id, case)
        return result

    @api.model
    def _get_last_notice(self, partner, company):
        """The last formal notice sent to the customer in `company`."""
        return self.env["account.dunning.action"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "=", partner.id),
                ("level_id.is_formal_notice", "=", True),
                ("state", "in", VALIDATED_STATES),
            ],
            order="date desc, id desc",
            limit=1,
        )

    def _check_open(self):
        closed = self.filtered(lambda c: c.state != "open")
        if closed:
            raise UserError(
                self.env._(
                    "%(cases)s is no longer open.",
                    cases=", ".join(closed.mapped("name")),
                )
            )

    def _close(self, state):
        self.write({"state": state, "closed_date": fields.Date.context_today(self)})
        return True

    def _get_penalties(self, on_date=None):
        """{invoice id: penalties} of the case's invoices on `on_date`
        (default today), from the addon's one computation
        (`account.dunning.late.payment`)."""
        return self.move_ids._get_dunning_penalties(on_date)

    def _get_notices(self):
        """The formal notices sent to the customer, the case's first."""
        notices = self.env["account.dunning.action"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "=", self.partner_id.id),
                ("level_id.is_formal_notice", "=", True),
                ("state", "in", VALIDATED_STATES),
                ("line_ids.move_id", "in", self.move_ids.ids),
            ],
            order="date, id",
        )
        return self.notice_action_id | notices

    def _get_reminders(self):
        """The reminders that named the case's invoices, oldest first."""
        return self.env["account.dunning.action"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "=", self.partner_id.id),
                ("line_ids.move_id", "in", self.move_ids.ids),
            ],
            order="date, id",
        )

    def _get_customer_documents(self):
        """Documents attached to the customer (contract, general terms of
        sale)."""
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.partner_id.id),
                ("type", "=", "binary"),
            ],
            order="id",
        )
