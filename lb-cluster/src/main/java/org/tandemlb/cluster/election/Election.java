package org.tandemlb.cluster.election;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who should hold each VIP group (docs/cluster.md, "Election" and "VIP groups and spreading"),
 * from the members' advertised states. Pure: no clock, no network; every member runs it on what it
 * knows and acts for itself only, so every input is taken in a fixed order and the answer does not
 * depend on the order of the members given.
 *
 * <ol>
 * <li>Eligible members: {@linkplain MemberState#ready() ready}, and with a server up in their
 * backends unless no other candidate has one either (a node whose backends are all down does not
 * keep the VIPs from a peer that could serve).</li>
 * <li>A group held by eligible members stays with its holder, so that a healed partition does not
 * flap: among several holders (both sides of a healed partition), the latest claim wins (highest
 * epoch), then the higher rank.</li>
 * <li>Without {@code spread}: a group nobody eligible holds goes to the highest priority, then the
 * lowest name; with {@code preempt}, a {@linkplain MemberState#settled() settled} member of strictly
 * higher priority than the holder takes it over.</li>
 * <li>With {@code spread}: groups nobody eligible holds are taken in name order, each by the member
 * with the highest weighted rendezvous score (see {@link #score}) among those that hold fewer than
 * {@code ceil(groups / eligible members)}. Then, while a settled member holds at least two groups
 * fewer than another, it takes one from the member that holds the most (the donor's group with the
 * highest score for it): loads end up differing by at most one, and a returning node takes back
 * exactly its share, from the nodes that hold more, and nothing else moves.</li>
 * </ol>
 */
public final class Election {

    private Election() {}

    /**
     * The member that should hold each group, or empty when no member is eligible.
     *
     * @param groups  the VIP groups (any order; duplicates ignored)
     * @param members every member known to be alive, this node included
     * @param spread  whether the groups are spread over the members
     * @param preempt without spread: whether a higher priority takes over from a holder
     * @return every group, in name order
     */
    public static Map<String, Optional<MemberState>> assign(
            List<String> groups, List<MemberState> members, boolean spread, boolean preempt) {
        List<String> names = new ArrayList<>(new TreeSet<>(groups));
        List<MemberState> eligible = eligible(members);
        Map<String, MemberState> owner = new TreeMap<>();
        for (String g : names) {
            eligible.stream()
                    .filter(m -> m.holding(g))
                    .min(MemberState.holderOrder(g))
                    .ifPresent(h -> owner.put(g, h));
        }
        if (!eligible.isEmpty()) {
            if (spread) {
                spread(names, eligible, owner);
            } else {
                MemberState best = eligible.stream().min(MemberState.RANK).get();
                for (String g : names) {
                    MemberState h = owner.get(g);
                    if (h == null || (preempt && best.settled() && best.priority() > h.priority())) {
                        owner.put(g, best);
                    }
                }
            }
        }
        Map<String, Optional<MemberState>> result = new TreeMap<>();
        for (String g : names) {
            result.put(g, Optional.ofNullable(owner.get(g)));
        }
        return Collections.unmodifiableMap(result);
    }

    /** The members that may hold a group now (the eligible ones), in {@link MemberState#RANK} order. */
    public static List<MemberState> eligible(List<MemberState> members) {
        List<MemberState> ready = members.stream().filter(MemberState::ready).toList();
        return ready.stream()
                .filter(m -> m.serversUp() || ready.stream().noneMatch(o -> o != m && o.serversUp()))
                .sorted(MemberState.RANK)
                .toList();
    }

    private static void spread(List<String> groups, List<MemberState> eligible, Map<String, MemberState> owner) {
        Map<String, Integer> load = new HashMap<>();
        eligible.forEach(m -> load.put(m.name(), 0));
        owner.values().forEach(m -> load.merge(m.name(), 1, Integer::sum));
        int cap = (groups.size() + eligible.size() - 1) / eligible.size();
        for (String g : groups) {
            if (!owner.containsKey(g)) {
                // There is one under the cap: fewer than all groups are held, and cap * members >= groups.
                MemberState to = eligible.stream()
                        .filter(m -> load.get(m.name()) < cap)
                        .max(byScore(g))
                        .get();
                owner.put(g, to);
                load.merge(to.name(), 1, Integer::sum);
            }
        }
        Comparator<MemberState> byLoad = Comparator.comparingInt(m -> load.get(m.name()));
        while (true) {
            Optional<MemberState> taker =
                    eligible.stream().filter(MemberState::settled).min(byLoad.thenComparing(MemberState.RANK));
            // The donor: the most loaded, the lowest-ranked among equals.
            MemberState donor = eligible.stream()
                    .max(byLoad.thenComparing(MemberState.RANK))
                    .get();
            if (taker.isEmpty() || load.get(donor.name()) - load.get(taker.get().name()) < 2) {
                return;
            }
            MemberState to = taker.get();
            String g = owner.entrySet().stream()
                    .filter(e -> e.getValue().name().equals(donor.name()))
                    .map(Map.Entry::getKey)
                    .max(Comparator.<String>comparingDouble(x -> score(x, to)).thenComparing(Comparator.reverseOrder()))
                    .get();
            owner.put(g, to);
            load.merge(donor.name(), -1, Integer::sum);
            load.merge(to.name(), 1, Integer::sum);
        }
    }

    /** Higher score first, then {@link MemberState#RANK}: {@code max} picks the highest score, then the best rank. */
    private static Comparator<MemberState> byScore(String group) {
        return Comparator.<MemberState>comparingDouble(m -> score(group, m)).thenComparing(MemberState.RANK.reversed());
    }

    /**
     * The weighted rendezvous score of {@code member} for {@code group}: {@code -w / ln(u)} with
     * {@code w = priority + 1} (a priority of 0 still counts) and {@code u} in (0, 1) from the
     * first 8 bytes of SHA-256 of the group's and the member's names: the same on every JVM.
     * Among equal weights each member is equally likely to score highest for a group; a member of
     * twice the weight, twice as likely.
     */
    static double score(String group, MemberState member) {
        long h = hash(group + '\0' + member.name());
        double u = ((h >>> 11) + 0.5) / (double) (1L << 53);
        return -(member.priority() + 1) / Math.log(u);
    }

    private static long hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (d[i] & 0xff);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
