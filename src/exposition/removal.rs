//! The Operator Connect number-removal families: one sample each per platform.

use crate::exposition::render::{Family, push_sample};
use crate::model::RemovalSummary;

pub const REMOVAL_FAMILIES: [Family; 2] = [
    Family {
        name: "liveplatform_oc_numbers_marked_for_removal",
        help: "Operator Connect numbers marked for removal: no longer in Microsoft's acquired list.",
    },
    Family {
        name: "liveplatform_oc_numbers_ready_for_removal",
        help: "Operator Connect numbers confirmed deleted, waiting for their final removal.",
    },
];

/// Sample lines of [`REMOVAL_FAMILIES`], in order.
pub fn render_removal(platform_label: &[u8], summary: &RemovalSummary) -> [Vec<u8>; 2] {
    let mut out: [Vec<u8>; 2] = Default::default();
    let counts = [summary.marked, summary.ready];
    for ((out, family), count) in out.iter_mut().zip(&REMOVAL_FAMILIES).zip(counts) {
        push_sample(out, family.name, platform_label, count);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::render::platform_label;

    #[test]
    fn each_count_is_one_sample_of_the_platform() {
        let summary = RemovalSummary {
            marked: 3,
            ready: u64::MAX,
        };
        let [marked, ready] = render_removal(&platform_label("prod \"eu\""), &summary);
        assert_eq!(
            String::from_utf8(marked).unwrap(),
            "liveplatform_oc_numbers_marked_for_removal{platform=\"prod \\\"eu\\\"\"} 3\n"
        );
        assert_eq!(
            String::from_utf8(ready).unwrap(),
            "liveplatform_oc_numbers_ready_for_removal{platform=\"prod \\\"eu\\\"\"} 18446744073709551615\n"
        );
    }
}
