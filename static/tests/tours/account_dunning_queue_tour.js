/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_queue_tour", {
    url: "/odoo/action-account_dunning.account_dunning_queue_action",
    steps: () => [
        {
            content: "Open the group of the credit controller",
            trigger: ".o_group_header:contains('Tour Controller')",
            run: "click",
        },
        {
            content: "The most urgent customer is listed with its formal notice to confirm",
            trigger: ".o_data_row:contains('Tour Customer') td[name='draft_count']:contains('1')",
        },
        {
            content: "Open the customer's reminders",
            trigger: ".o_data_row:contains('Tour Customer') td[name='partner_id']",
            run: "click",
        },
        {
            content: "Open the formal notice waiting for approval",
            trigger: ".o_data_row:contains('Formal notice') td[name='state']",
            run: "click",
        },
        {
            content: "Approve and send it",
            trigger: ".o_form_view button[name='action_validate']:contains('Approve')",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The letter now waits to be printed",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('To print')",
        },
    ],
});
