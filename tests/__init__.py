from . import test_escalation
from . import test_escalation_gates
from . import test_escalation_robustness
from . import test_policy_config
