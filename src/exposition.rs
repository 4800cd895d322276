//! Assembling a scrape: the pre-rendered samples of every platform whose data is fresh, grouped
//! under one header per family, followed by the live health and process metrics.

use std::io::Write;
use std::sync::Arc;

use tokio::time::Instant;

use crate::health::HealthMetrics;
use crate::render::FAMILIES;
use crate::snapshot::PlatformSlot;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub struct Exposition {
    slots: Vec<Arc<PlatformSlot>>,
    health: Arc<HealthMetrics>,
}

impl Exposition {
    pub fn new(slots: Vec<Arc<PlatformSlot>>, health: Arc<HealthMetrics>) -> Self {
        Self { slots, health }
    }

    pub fn slots(&self) -> &[Arc<PlatformSlot>] {
        &self.slots
    }

    pub fn render(&self, now: Instant) -> Vec<u8> {
        let fresh: Vec<_> = self.slots.iter().filter_map(|s| s.fresh(now)).collect();
        let samples_len: usize = fresh
            .iter()
            .flat_map(|s| (0..FAMILIES.len()).map(|i| s.samples(i).len()))
            .sum();
        let mut out = Vec::with_capacity(samples_len + 16 * 1024);
        for (index, family) in FAMILIES.iter().enumerate() {
            // A family no platform has samples for gets no header either.
            if fresh.iter().all(|s| s.samples(index).is_empty()) {
                continue;
            }
            let _ = write!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n",
                name = family.name,
                help = family.help
            );
            for snapshot in &fresh {
                out.extend_from_slice(snapshot.samples(index));
            }
        }
        self.health.encode(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Customer;
    use crate::snapshot::Snapshot;
    use std::time::Duration;

    fn customer(id: &str) -> Customer {
        Customer {
            id: id.into(),
            short_name: id.into(),
            full_name: id.into(),
            license_type: 1,
            ms_tenant_id: None,
            licensed_users: Some(10),
            active_users: None,
            livehub_active_users: None,
            livehub_simple_users: None,
        }
    }

    #[test]
    fn platforms_share_one_header_per_family_and_stale_ones_drop_out() {
        let health = Arc::new(HealthMetrics::new());
        let now = Instant::now();
        let a = Arc::new(PlatformSlot::new("a", Duration::from_secs(60)));
        let b = Arc::new(PlatformSlot::new("b", Duration::from_secs(60)));
        a.publish(Snapshot::new("a", &[customer("a1")], now));
        b.publish(Snapshot::new("b", &[customer("b1")], now));
        let _ = health.platform("a");
        let exposition = Exposition::new(vec![a.clone(), b.clone()], health);

        let text = String::from_utf8(exposition.render(now)).unwrap();
        assert_eq!(
            text.matches("# TYPE liveplatform_customer_licensed_users gauge")
                .count(),
            1
        );
        assert!(text.contains("liveplatform_customer_licensed_users{platform=\"a\","));
        assert!(text.contains("liveplatform_customer_licensed_users{platform=\"b\","));
        assert!(
            !text.contains("# TYPE liveplatform_customer_active_users"),
            "no platform has active users, so no empty family header"
        );

        b.publish(Snapshot::new(
            "b",
            &[customer("b1")],
            now - Duration::from_secs(61),
        ));
        let text = String::from_utf8(exposition.render(now)).unwrap();
        assert!(text.contains("platform=\"a\",customer_id=\"a1\""));
        assert!(
            !text.contains("customer_id=\"b1\""),
            "stale platform dropped"
        );
        assert!(
            text.contains("liveplatform_up{platform=\"a\"}"),
            "health stays"
        );
    }
}
