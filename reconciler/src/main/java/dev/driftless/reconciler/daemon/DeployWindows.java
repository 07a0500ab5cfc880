package dev.driftless.reconciler.daemon;

import dev.driftless.reconciler.history.Suspension;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TimeZone;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/**
 * Deploy windows ({@code deploy-windows} in driftless.yaml), as Argo CD's sync windows: times
 * when the daemon may change the hosts ({@code allow}) or must not ({@code deny}), each opening
 * on a cron schedule for a duration, for the whole environment or named services. While one
 * closes a scope, the daemon treats it as suspended (nothing deployed, repaired or pruned there)
 * and goes on by itself when it opens. A deny window wins over an allow window; where allow
 * windows are set, only their times are open. Quartz's {@link CronExpression} does the calendar.
 */
public final class DeployWindows {

    /** Whether a window lets changes through or holds them. */
    public enum Kind { ALLOW, DENY }

    /**
     * One window, as configured.
     *
     * @param field    where it is written ({@code deploy-windows[0]}), naming it in messages
     * @param kind     allow or deny
     * @param schedule when it opens, as written: a five-field cron line ({@code 0 16 * * FRI})
     * @param duration how long it stays open each time
     * @param zone     the time zone of the schedule
     * @param services the services it is for; empty: the whole environment
     * @param manual   whether {@code driftless reconcile} may deploy regardless of it
     */
    public record Window(String field, Kind kind, String schedule, Duration duration, ZoneId zone, List<String> services,
                         boolean manual) {
        public Window {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(schedule, "schedule");
            Objects.requireNonNull(zone, "zone");
            services = List.copyOf(services);
            if (duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException(field + ": duration must be positive");
            }
            quartz(schedule).orElseThrow(() -> new IllegalArgumentException(field + ": bad schedule " + schedule));
        }

        /** {@code deny "0 16 * * FRI" for 64h, Europe/Berlin}. */
        String describe() {
            return kind.name().toLowerCase(Locale.ROOT) + " \"" + schedule + "\" for "
                + dev.driftless.model.DurationText.format(duration) + ", " + zone.getId();
        }
    }

    /** No windows: never closed. */
    public static final DeployWindows NONE = new DeployWindows(List.of());

    private static final Pattern FIELD = Pattern.compile("[0-9A-Za-z*/,-]+");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    private final List<Window> windows;
    private final List<CronExpression> crons = new ArrayList<>();
    /** When each allow-closed scope was first seen closed, so its "since" stays put. */
    private final Map<String, Instant> closedSince = new ConcurrentHashMap<>();

    public DeployWindows(List<Window> windows) {
        this.windows = List.copyOf(windows);
        for (Window w : this.windows) {
            try {
                CronExpression cron = new CronExpression(quartz(w.schedule()).orElseThrow());
                cron.setTimeZone(TimeZone.getTimeZone(w.zone()));
                crons.add(cron);
            } catch (ParseException e) {
                throw new IllegalArgumentException(w.field() + ": " + e.getMessage(), e);
            }
        }
    }

    public boolean isEmpty() {
        return windows.isEmpty();
    }

    /**
     * The Quartz form of a five-field cron line (minute, hour, day of month, month, day of
     * week; days of the week 0-7 with 0 and 7 Sunday, or SUN-SAT), or empty when it is not one
     * this reads: Quartz wants seconds first, numbers days 1-7 from Sunday, and one of the two
     * day fields as {@code ?}; a line that restricts both day fields is not read.
     */
    public static Optional<String> quartz(String cron) {
        String[] f = cron.strip().split("\\s+");
        if (f.length != 5 || java.util.Arrays.stream(f).anyMatch(x -> !FIELD.matcher(x).matches())) {
            return Optional.empty();
        }
        String dom = f[2];
        String dow = f[4].toUpperCase(Locale.ROOT);
        if (!dom.equals("*") && !dow.equals("*")) {
            return Optional.empty();
        }
        Optional<String> days = dow.equals("*") ? Optional.of("?") : quartzDays(dow);
        if (days.isEmpty()) {
            return Optional.empty();
        }
        String q = "0 " + f[0] + " " + f[1] + " " + (dom.equals("*") && !dow.equals("*") ? "?" : dom) + " "
            + f[3].toUpperCase(Locale.ROOT) + " " + days.get();
        return CronExpression.isValidExpression(q) ? Optional.of(q) : Optional.empty();
    }

    /** Days of the week as Quartz numbers them: {@code 1-5} (Monday to Friday) becomes {@code 2-6}. */
    private static Optional<String> quartzDays(String dow) {
        List<String> parts = new ArrayList<>();
        for (String part : dow.split(",", -1)) {
            String[] range = part.split("-", -1);
            if (range.length > 2 || part.contains("/")) {
                return Optional.empty();
            }
            List<String> ends = new ArrayList<>();
            for (String end : range) {
                Optional<String> day = day(end);
                if (day.isEmpty()) {
                    return Optional.empty();
                }
                ends.add(day.get());
            }
            if (ends.size() == 2 && DAYS.indexOf(ends.get(0)) > DAYS.indexOf(ends.get(1))) {
                // FRI-SUN (5-7) wraps past Saturday: two ranges.
                parts.add(ends.get(0) + "-SAT");
                parts.add("SUN-" + ends.get(1));
            } else {
                parts.add(String.join("-", ends));
            }
        }
        return Optional.of(String.join(",", parts));
    }

    private static Optional<String> day(String text) {
        if (text.matches("[0-7]")) {
            return Optional.of(DAYS.get(Integer.parseInt(text) % 7));
        }
        return DAYS.contains(text) ? Optional.of(text) : Optional.empty();
    }

    /**
     * What holds the environment or services at {@code now}: {@code suspensions}, the operators'
     * from history, first, then what the windows hold ({@link #closures}).
     */
    public List<Suspension> withClosures(List<Suspension> suspensions, Instant now, boolean manual) {
        List<Suspension> all = new ArrayList<>(suspensions);
        all.addAll(closures(now, manual));
        return all;
    }

    /**
     * What the windows hold at {@code now} for a reconcile started by {@code manual} request or
     * not: one suspension of the whole environment, or one per service, each saying which window
     * and until when. They are scheduled ({@link Suspension#isScheduled()}), never in history.
     */
    public List<Suspension> closures(Instant now, boolean manual) {
        List<Suspension> out = new ArrayList<>();
        List<Integer> applicable = new ArrayList<>();
        for (int i = 0; i < windows.size(); i++) {
            if (!(manual && windows.get(i).manual())) {
                applicable.add(i);
            }
        }
        closure(Optional.empty(), applicable.stream().filter(i -> windows.get(i).services().isEmpty()).toList(), now)
            .ifPresent(out::add);
        TreeSet<String> services = new TreeSet<>();
        applicable.forEach(i -> services.addAll(windows.get(i).services()));
        for (String service : services) {
            closure(Optional.of(service), applicable.stream().filter(i -> windows.get(i).services().contains(service))
                .toList(), now).ifPresent(out::add);
        }
        return out;
    }

    /** Whether {@code scope} is closed at {@code now} by the windows {@code which}, and by which. */
    private Optional<Suspension> closure(Optional<String> service, List<Integer> which, Instant now) {
        String scope = service.orElse("");
        for (int i : which) {
            Window w = windows.get(i);
            if (w.kind() == Kind.DENY) {
                Optional<Instant> opened = openedAt(i, now);
                if (opened.isPresent()) {
                    closedSince.remove(scope);
                    return Optional.of(Suspension.scheduled(id(w.field(), scope), service, "deploys resume at "
                        + at(closesAt(i, opened.get())), "deploy window " + w.field() + " (" + w.describe() + ")",
                        opened.get()));
                }
            }
        }
        List<Integer> allows = which.stream().filter(i -> windows.get(i).kind() == Kind.ALLOW).toList();
        if (allows.isEmpty() || allows.stream().anyMatch(i -> openedAt(i, now).isPresent())) {
            closedSince.remove(scope);
            return Optional.empty();
        }
        Optional<Instant> next = allows.stream().map(i -> crons.get(i).getNextValidTimeAfter(Date.from(now)))
            .filter(Objects::nonNull).map(Date::toInstant).min(Instant::compareTo);
        Instant since = closedSince.computeIfAbsent(scope, s -> now);
        return Optional.of(Suspension.scheduled(id("allow", scope), service, next.map(n -> "the next allow window"
            + " opens at " + at(n)).orElse("no allow window opens again"), "deploy windows (outside "
            + String.join(", ", allows.stream().map(i -> windows.get(i).field()).toList()) + ")", since));
    }

    /** When window {@code i}'s current opening began, if it is open at {@code now}. */
    private Optional<Instant> openedAt(int i, Instant now) {
        Date first = crons.get(i).getNextValidTimeAfter(Date.from(now.minus(windows.get(i).duration())));
        return first == null || first.toInstant().isAfter(now) ? Optional.empty() : Optional.of(first.toInstant());
    }

    /** When window {@code i}, opened at {@code opened}, closes: later openings within it extend it. */
    private Instant closesAt(int i, Instant opened) {
        Duration d = windows.get(i).duration();
        Instant end = opened.plus(d);
        Date next = crons.get(i).getNextValidTimeAfter(Date.from(opened));
        for (int n = 0; n < 1_000 && next != null && !next.toInstant().isAfter(end); n++) {
            end = next.toInstant().plus(d);
            next = crons.get(i).getNextValidTimeAfter(next);
        }
        return end;
    }

    private static String at(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** A stable id, below zero (history's ids are positive), so an ended closure reads as a resume. */
    private static long id(String window, String scope) {
        return -1L - Math.floorMod(Objects.hash(window, scope), Integer.MAX_VALUE);
    }
}
