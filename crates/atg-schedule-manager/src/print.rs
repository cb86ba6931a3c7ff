//! What the schedule manager says about schedules, for people (`--json` prints the library's
//! values as they are).

use atg_workflows::schedules::{Created, Described, Listed};

/// `create`'s lines, as the original printed them.
pub fn created(c: &Created) -> String {
    let mut lines = vec![
        format!(
            "✅ Created schedule '{}' with {} minute interval",
            c.schedule_id, c.interval_minutes
        ),
        format!("📋 Note: {}", c.note),
    ];
    if c.paused {
        lines.push("⏸️  Schedule created in paused state".into());
    }
    lines.join("\n")
}

/// One schedule of `list`.
pub fn listed(l: &Listed) -> String {
    format!(
        "📅 Schedule: {}\n   {} · {} · next run {}\n",
        l.schedule_id,
        if l.paused { "paused" } else { "running" },
        l.note.as_deref().unwrap_or("(no note)"),
        l.next_action_times.first().map_or("—", String::as_str)
    )
}

/// `describe`'s lines.
pub fn described(d: &Described) -> String {
    let every: Vec<String> = d
        .interval_minutes
        .iter()
        .map(|m| format!("{m} minutes"))
        .collect();
    let mut lines = vec![
        format!("📅 Schedule: {}", d.schedule_id),
        format!("   Note:        {}", d.note.as_deref().unwrap_or("(none)")),
        format!(
            "   State:       {}",
            if d.paused { "paused" } else { "running" }
        ),
        format!("   Every:       {}", every.join(", ")),
        format!("   Overlap:     {}", d.overlap_policy),
    ];
    if let Some(c) = d.catchup_window_seconds {
        lines.push(format!("   Catch-up:    {} minutes", c / 60));
    }
    lines.push(format!(
        "   Runs:        {} on {} ({}…)",
        d.workflow_type, d.task_queue, d.workflow_id_prefix
    ));
    lines.push(format!("   Actions:     {} taken", d.action_count));
    lines.push("   Next runs:".into());
    lines.extend(d.next_action_times.iter().map(|t| format!("     • {t}")));
    lines.push("   Recent runs:".into());
    if d.recent_actions.is_empty() {
        lines.push("     (none yet)".into());
    }
    lines.extend(d.recent_actions.iter().map(|a| {
        format!(
            "     • scheduled {} · started {} · {}",
            a.scheduled_time.as_deref().unwrap_or("?"),
            a.actual_time.as_deref().unwrap_or("?"),
            a.workflow_id
        )
    }));
    lines.join("\n")
}
