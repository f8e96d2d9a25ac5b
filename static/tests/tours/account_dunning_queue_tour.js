/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_dunning_queue_tour", {
    url: "/odoo/action-account_dunning.account_dunning_queue_action",
    steps: () => [
        {
            content: "The most urgent customer's next action: approve its formal notice",
            trigger: ".o_data_row:contains('Tour Customer') td[name='next_action']:contains('Approve')",
        },
        {
            content: "Do it from the row: the formal notice waiting for approval opens",
            trigger: ".o_data_row:contains('Tour Customer') button[name='action_do_next']",
            run: "click",
        },
        {
            content: "It is the formal notice",
            trigger: ".o_form_view .o_field_widget[name='level_id']:contains('Formal notice')",
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
