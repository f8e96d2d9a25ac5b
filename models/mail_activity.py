from collections import defaultdict

from odoo import api, fields, models

from ..lib.sql import insert_columns, next_ids


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model
    def _dunning_create_calls(self, vals_list):
        """Call tasks of a nightly run, on customers, in one INSERT.

        What `create` does for such activities is done here for the whole
        batch: the assignee follows the customer, and each assignee's activity
        counter is refreshed once. There is no assignment notification, as with
        `mail_activity_quick_update`. `vals_list` holds `res_id` (a partner),
        `res_name`, `activity_type_id`, `summary`, `note` (built from escaped
        values), `date_deadline`, `user_id` and `company_id` (the reminder's:
        a private person's task moves to a day it may be called on).
        """
        if not vals_list:
            return self.browse()
        self._dunning_move_call_deadlines(vals_list)
        cr = self.env.cr
        self.flush_model()
        ids = next_ids(cr, self._table, len(vals_list))
        users = self.env["res.users"].browse({vals["user_id"] for vals in vals_list})
        tz_by_user = {user.id: user.tz or None for user in users}
        count = len(ids)
        insert_columns(
            cr,
            self._table,
            {
                "id": (ids, "int4"),
                "res_model_id": (
                    [self.env["ir.model"]._get_id("res.partner")] * count,
                    "int4",
                ),
                "res_model": (["res.partner"] * count, "varchar"),
                **{
                    name: ([vals[name] for vals in vals_list], sql_type)
                    for name, sql_type in (
                        ("res_id", "int4"),
                        ("res_name", "varchar"),
                        ("activity_type_id", "int4"),
                        ("summary", "varchar"),
                        ("note", "text"),
                        ("date_deadline", "date"),
                        ("user_id", "int4"),
                    )
                },
                "user_tz": (
                    [tz_by_user[vals["user_id"]] for vals in vals_list],
                    "varchar",
                ),
                "automated": ([True] * count, "bool"),
                "active": ([True] * count, "bool"),
            },
            self.env.uid,
            cr.now(),
        )
        activities = self.browse(ids)
        partners_by_user = defaultdict(set)
        due_by_user = defaultdict(int)
        today = fields.Date.context_today(self)
        for vals in vals_list:
            partners_by_user[vals["user_id"]].add(vals["res_id"])
            if vals["date_deadline"] <= today:
                due_by_user[vals["user_id"]] += 1
        self._dunning_subscribe_assignees(
            {user.partner_id.id: partners_by_user[user.id] for user in users}
        )
        for user in users:
            if due_by_user[user.id]:
                user._bus_send(
                    "mail.activity/updated",
                    {"activity_created": True, "count_diff": due_by_user[user.id]},
                )
        self.env["res.partner"].invalidate_model(["activity_ids"])
        return activities

    @api.model
    def _dunning_move_call_deadlines(self, vals_list):
        """Give each call task of a private person the first day from its
        deadline on that it may be called on (no Sunday, no public holiday,
        the company's week days, its cap of attempts in 30 days:
        `account.dunning.consumer.rule._get_call_dates`), in place."""
        partner_ids = defaultdict(set)
        for vals in vals_list:
            if vals.get("company_id"):
                key = (vals["company_id"], vals["date_deadline"])
                partner_ids[key].add(vals["res_id"])
        deadlines = {}
        Rule = self.env["account.dunning.consumer.rule"]
        for (company_id, day), ids in partner_ids.items():
            dates = Rule._get_call_dates(
                self.env["res.company"].browse(company_id),
                self.env["res.partner"].browse(sorted(ids)),
                day,
            )
            for partner_id, deadline in dates.items():
                deadlines[company_id, day, partner_id] = deadline
        for vals in vals_list:
            key = (vals.get("company_id"), vals["date_deadline"], vals["res_id"])
            vals["date_deadline"] = deadlines.get(key, vals["date_deadline"])

    @api.model
    def _dunning_subscribe_assignees(self, customers_by_partner):
        """Make each assignee follow the customers it calls, as
        mail.activity.create does: Odoo chooses who is new and with which
        default subtypes, the followers are written with two INSERTs (through
        the ORM, a follower and its subtypes cost a millisecond)."""
        # sudo: the engine subscribes the assignee whatever the rights of the
        # user running the job
        Followers = self.env["mail.followers"].sudo()
        rows = []
        for partner_id, customer_ids in customers_by_partner.items():
            new, _update = Followers._add_default_followers(
                "res.partner", list(customer_ids), [partner_id]
            )
            rows += [
                (res_id, vals["partner_id"], vals["subtype_ids"][0][2])
                for res_id, vals_list in new.items()
                for vals in vals_list
            ]
        if not rows:
            return
        cr = self.env.cr
        Followers.flush_model()
        ids = next_ids(cr, Followers._table, len(rows))
        insert_columns(
            cr,
            Followers._table,
            {
                "id": (ids, "int4"),
                "res_model": (["res.partner"] * len(rows), "varchar"),
                "res_id": ([row[0] for row in rows], "int4"),
                "partner_id": ([row[1] for row in rows], "int4"),
            },
        )
        subtypes = [
            (follower_id, subtype_id)
            for follower_id, row in zip(ids, rows, strict=True)
            for subtype_id in row[2]
        ]
        insert_columns(
            cr,
            "mail_followers_mail_message_subtype_rel",
            {
                "mail_followers_id": ([row[0] for row in subtypes], "int4"),
                "mail_message_subtype_id": ([row[1] for row in subtypes], "int4"),
            },
        )
        Followers.invalidate_model()
        self.env["res.partner"].invalidate_model(
            ["message_follower_ids", "message_partner_ids", "message_is_follower"]
        )
