//! Where a run's CPU time went: every thread on the machine, read from
//! `/proc` before and after, summed by process. The machine is shared, so
//! a slow run is often someone else's build; this tells which.

use std::collections::HashMap;
use std::fmt::Write;

/// Each thread's CPU time in clock ticks (1/100 s), by (process, thread),
/// with the process's and the thread's names.
pub type Ticks = HashMap<(u32, u32), (String, String, u64)>;

pub fn snapshot() -> Ticks {
    let mut out = HashMap::new();
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return out;
    };
    for process in processes.flatten() {
        let Ok(pid) = process.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for thread in threads.flatten() {
            let Ok(tid) = thread.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if let Some((thread_name, ticks)) = thread_ticks(pid, tid) {
                out.insert((pid, tid), (name.trim().to_owned(), thread_name, ticks));
            }
        }
    }
    out
}

/// A thread's name and its user plus system time (`proc_pid_stat(5)`'s
/// fields 14 and 15; the name, in parentheses, may hold spaces).
fn thread_ticks(pid: u32, tid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    let (open, close) = (stat.find('(')?, stat.rfind(')')?);
    let fields: Vec<&str> = stat.get(close + 2..)?.split(' ').collect();
    let field = |n: usize| fields.get(n).and_then(|v| v.parse::<u64>().ok());
    Some((stat[open + 1..close].to_owned(), field(11)? + field(12)?))
}

/// The CPU seconds each process (and its busiest threads) spent between
/// two snapshots, most first.
pub fn report(before: &Ticks, after: &Ticks) -> String {
    let mut by_process: HashMap<(u32, &str), u64> = HashMap::new();
    let mut threads = vec![];
    for (key, (process, thread, ticks)) in after {
        let spent = ticks.saturating_sub(before.get(key).map_or(0, |b| b.2));
        if spent > 0 {
            *by_process.entry((key.0, process)).or_default() += spent;
            threads.push((spent, key.0, process, thread));
        }
    }
    let mut processes: Vec<_> = by_process.into_iter().collect();
    processes.sort_by_key(|p| std::cmp::Reverse(p.1));
    threads.sort_by_key(|t| std::cmp::Reverse(t.0));
    let secs = |ticks: u64| ticks as f64 / 100.0;
    let total: u64 = processes.iter().map(|p| p.1).sum();
    let mut out = format!("CPU time, all processes: {:.2} s\n", secs(total));
    for ((pid, name), spent) in processes.iter().take(15) {
        let _ = writeln!(out, "  {pid:>7} {name:<20} {:.2} s", secs(*spent));
    }
    out.push_str("busiest threads:\n");
    for (spent, pid, process, thread) in threads.iter().take(25) {
        let _ = writeln!(
            out,
            "  {pid:>7} {process:<18} {thread:<22} {:.2} s",
            secs(*spent)
        );
    }
    out
}
