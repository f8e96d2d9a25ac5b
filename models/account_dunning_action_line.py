import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

from ..lib.sql import CREDIT_BULK_COLUMNS, LINE_BULK_COLUMNS, array_literal
from .account_dunning_action import (
    ACTIVE_STATES,
    CHANNELS,
    DUNNING_STATE_FIELDS,
    LINE_ONCE_INDEX,
    STATES,
    DunningReminderTaken,
)


class AccountDunningActionLine(models.Model):
    """An invoice in a reminder, with the level it reaches and what it owed then."""

    _name = "account.dunning.action.line"
    _description = "Invoice reminded"
    _order = "action_id, date_due, id"
    # Written by the tens of thousands a night, each foreign key costing a
    # lookup per row: who and when are the reminder's, and company, customer
    # and currency are read through the reminder and the invoice.
    _log_access = False

    action_id = fields.Many2one(
        "account.dunning.action", required=True, ondelete="cascade", index=True
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    level_id = fields.Many2one("account.dunning.level", required=True, index=True)
    # Copies of the action's fields, written with the line in one INSERT: the
    # unique index below and the invoices' reminder state read them; the
    # action's write() keeps `state` in step.
    channel = fields.Selection(CHANNELS, required=True)
    state = fields.Selection(STATES, required=True, default="draft", readonly=True)
    date = fields.Date(required=True)
    company_id = fields.Many2one(related="action_id.company_id")
    partner_id = fields.Many2one(related="action_id.partner_id", string="Customer")
    currency_id = fields.Many2one(related="move_id.currency_id")
    date_due = fields.Date(string="Due date")
    days_overdue = fields.Integer(string="Days late")
    amount_total = fields.Monetary(string="Invoice total")
    amount_residual = fields.Monetary(string="Amount due")
    # The invoice's PDF for the reminder's email, when Odoo kept none: rendered
    # after the night (account.dunning.invoice.pdf), or why it could not be.
    invoice_pdf_id = fields.Many2one(
        "ir.attachment", string="Invoice PDF", readonly=True, ondelete="set null"
    )
    invoice_pdf_error = fields.Char(string="Invoice PDF not rendered", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        actions = self.env["account.dunning.action"].browse(
            {vals["action_id"] for vals in vals_list if vals.get("action_id")}
        )
        by_id = {action.id: action for action in actions}
        for vals in vals_list:
            action = by_id.get(vals.get("action_id"))
            if not action:
                continue
            vals.setdefault("channel", action.channel)
            vals.setdefault("state", action.state)
            vals.setdefault("date", action.date)
        return super().create(vals_list)

    # ------------------------------------------------------------
    # BUSINESS METHODS: the slots (invoice, level, channel)
    # ------------------------------------------------------------

    @api.model
    def _fetch_taken_slots(self, move_ids):
        """(invoice, level) pairs already reminded, waiting for confirmation
        or on their way."""
        if not move_ids:
            return set()
        self.flush_model(["move_id", "level_id", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT move_id, level_id FROM account_dunning_action_line
                 WHERE move_id = ANY(%s) AND state IN %s
                """,
                list(move_ids),
                ACTIVE_STATES,
            )
        )
        return set(self.env.cr.fetchall())

    @api.model
    def _get_taken_message(self, vals_list):
        """Why reminders could not be created: an invoice of theirs already
        has a reminder at the same level through the same channel (another
        user, or the nightly job, reminded it between the moment the rule was
        read and now). Names the reminders when this transaction can see them
        (a transaction that committed meanwhile is not visible to this one)."""
        slots = {
            (line["move_id"], line["level_id"], vals["channel"])
            for vals in vals_list
            for line in vals.get("line_ids") or ()
        }
        self.env.cr.execute(
            SQL(
                """
                SELECT o.move_id, o.action_id
                  FROM account_dunning_action_line o
                  JOIN unnest(%s::int4[], %s::int4[], %s::varchar[])
                           AS v(move_id, level_id, channel)
                    ON o.move_id = v.move_id AND o.level_id = v.level_id
                   AND o.channel = v.channel
                 WHERE o.state IN %s
              ORDER BY o.move_id
                """,
                array_literal([slot[0] for slot in slots], "int4"),
                array_literal([slot[1] for slot in slots], "int4"),
                array_literal([slot[2] for slot in slots]),
                ACTIVE_STATES,
            )
        )
        Move = self.env["account.move"]
        taken = [
            self.env._(
                "%(invoice)s by %(reminder)s",
                invoice=Move.browse(move_id).name,
                reminder=self.env["account.dunning.action"]
                .browse(action_id)
                .display_name,
            )
            for move_id, action_id in self.env.cr.fetchall()
        ]
        if not taken:
            taken = Move.browse({slot[0] for slot in slots}).mapped("name")
        return self.env._(
            "Nothing was created: another user or the nightly job reminded these "
            "invoices at the same level, through the same channel, a moment ago "
            "(%(invoices)s). Nothing is sent twice: open “Remind” again to see "
            "what is left to remind.",
            invoices="; ".join(taken[:20]) + ("…" if len(taken) > 20 else ""),
        )

    @api.model
    def _get_coverage(self, actions):
        """{reminder: {its line: the reminder holding that line's slot}}: the
        invoices of the reminders `actions` that another reminder (to
        confirm, on its way, to print or sent) covers at the same level
        through the same channel, read in one query."""
        coverage = {action: {} for action in actions}
        if not actions:
            return coverage
        Line = self
        Line.flush_model(["action_id", "move_id", "level_id", "channel", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT l.id, o.action_id
                  FROM account_dunning_action_line l
                  JOIN account_dunning_action_line o
                    ON o.move_id = l.move_id AND o.level_id = l.level_id
                   AND o.channel = l.channel AND o.action_id != l.action_id
                   AND o.state IN %s
                 WHERE l.action_id = ANY(%s)
              ORDER BY l.id
                """,
                ACTIVE_STATES,
                actions.ids,
            )
        )
        for line_id, action_id in self.env.cr.fetchall():
            line = Line.browse(line_id)
            coverage[line.action_id][line] = actions.browse(action_id)
        return coverage

    # ------------------------------------------------------------
    # BUSINESS METHODS: one formal notice awaiting approval
    # ------------------------------------------------------------

    @api.model
    def _get_pending_notices(self, vals_list):
        """{index in `vals_list`: the formal notice awaiting approval (to
        confirm) of the same company, customer and channel}, for the formal
        notices to confirm of `vals_list` (`_prepare_reminders`): one notice
        per customer waits for approval, and a second invoice reaching the
        notice joins it (`_join_pending_notices`) instead of a second draft.
        Reads only (the preview of tonight's run asks too)."""
        level_ids = {vals["level_id"] for vals in vals_list}
        notice_ids = set(
            self.env["account.dunning.level"]
            .browse(level_ids)
            .filtered("is_formal_notice")
            .ids
        )
        notices = {
            index: vals
            for index, vals in enumerate(vals_list)
            if vals["level_id"] in notice_ids and vals.get("state", "draft") == "draft"
        }
        if not notices:
            return {}
        pending = self.env["account.dunning.action"].search(
            [
                ("company_id", "in", list({v["company_id"] for v in notices.values()})),
                ("partner_id", "in", list({v["partner_id"] for v in notices.values()})),
                ("state", "=", "draft"),
                ("level_id.is_formal_notice", "=", True),
            ],
            order="id",
        )
        # the latest one, should an older version have left two
        by_key = {
            (action.company_id.id, action.partner_id.id, action.channel): action
            for action in pending
        }
        return {
            index: by_key[key]
            for index, vals in notices.items()
            if (key := (vals["company_id"], vals["partner_id"], vals["channel"]))
            in by_key
        }

    @api.model
    def _join_pending_notices(self, joins):
        """Add the invoices of new formal notices to the notice of the same
        customer awaiting approval; `joins` lists (pending notice, the new
        notice's vals from `_prepare_reminders`). An invoice the notice lists
        already (at a lower level) moves up to its new level. The notice then
        deducts the customer's credits of the new night and claims the net of
        every invoice it lists (`_get_claim`), as a notice created that night
        would. Returns the notices joined."""
        notices = self.env["account.dunning.action"].browse(
            [notice.id for notice, _vals in joins]
        )
        if not notices:
            return notices
        Line = self
        listed = {
            (line.action_id.id, line.move_id.id): line for line in notices.line_ids
        }
        names = [name for name, _type in LINE_BULK_COLUMNS]
        new_lines = []
        for notice, vals in joins:
            for line_vals in vals["line_ids"]:
                values = {name: line_vals.get(name) for name in names}
                line = listed.get((notice.id, line_vals["move_id"]))
                if line:
                    # rare: an invoice listed at a lower level reaches the notice
                    line.write(values)
                else:
                    new_lines.append(dict(values, action_id=notice.id))
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                Line.create(new_lines)
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != LINE_ONCE_INDEX:
                raise
            raise DunningReminderTaken(
                Line._get_taken_message([vals for _notice, vals in joins])
            ) from None
        # sudo: the credits a notice awaiting approval deducts are replaced
        # by the night's as a whole, which a credit controller (who may add
        # credits, not delete them) does through the Remind dialog too
        notices.credit_ids.sudo().unlink()
        self.env["account.dunning.action.credit"].create(
            [
                {
                    "action_id": notice.id,
                    **{
                        name: getattr(credit, name)
                        for name, _type in CREDIT_BULK_COLUMNS
                    },
                }
                for notice, vals in joins
                for credit in vals.get("credits") or ()
            ]
        )
        notices.invalidate_recordset(["line_ids", "credit_ids", "move_ids"])
        Claim = self.env["account.dunning.claim"]
        for notice, vals in joins:
            _claims, amount_due = Claim._get_claim(
                [
                    (
                        move.currency_id.id,
                        move.amount_residual,
                        move.amount_residual_signed,
                    )
                    for move in notice.line_ids.move_id
                ],
                [
                    (credit.currency_id, credit.amount, credit.amount_company)
                    for credit in vals.get("credits") or ()
                ],
                notice.company_id.currency_id,
            )
            notice.amount_due = amount_due
        self.env["account.move"].invalidate_model(
            ["dunning_action_line_ids", *DUNNING_STATE_FIELDS]
        )
        return notices

    def init(self):
        res = super().init()
        # One invoice reaches one level through one channel only once (the run, the
        # wizard and concurrent workers all rely on this). An index of an older
        # version, without every active state, is rebuilt.
        self.env.cr.execute(
            SQL("SELECT indexdef FROM pg_indexes WHERE indexname = %s", LINE_ONCE_INDEX)
        )
        row = self.env.cr.fetchone()
        if row and any(f"'{state}'" not in row[0] for state in ACTIVE_STATES):
            self.env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(LINE_ONCE_INDEX)))
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS %s
                    ON account_dunning_action_line (move_id, level_id, channel)
                 WHERE state IN %s
                """,
                SQL.identifier(LINE_ONCE_INDEX),
                ACTIVE_STATES,
            )
        )
        return res
