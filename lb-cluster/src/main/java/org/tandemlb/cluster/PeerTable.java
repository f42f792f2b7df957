package org.tandemlb.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jgroups.Address;
import org.jgroups.View;
import org.tandemlb.cluster.election.MemberState;

/**
 * What a node knows of the other members, and for how long it counts: the current view, the latest
 * advert of each member (counted while the member is in the view, or for {@code staleAfter} after
 * its last advert), every member ever heard (its hardware addresses tell a peer that answers for a
 * VIP from a host outside the cluster), and the members that left the view (a node keeps
 * advertising to them directly for a minute, so that both sides of a partition know of each other
 * while JGroups merges). Confined to the node's actor thread, like {@link Membership}, which owns it.
 */
final class PeerTable {
    /** How long a member that left the view still hears this node's adverts. */
    private static final long DEPARTED_KEEP = TimeUnit.SECONDS.toNanos(60);

    private long staleNanos;

    private View view;
    private long viewAt;
    /** Members new in the current view: what they said before it may be out of date. */
    private Set<Address> newcomers = Set.of();

    private final Map<String, Peer> peers = new HashMap<>();
    private final Map<String, Peer> history = new HashMap<>();
    private final Map<Address, Long> departed = new HashMap<>();

    /** What this node knows of another member. */
    private static final class Peer {
        MemberState state;
        Address address;
        long heardAt;
        boolean inView;
        List<String> macs = List.of();
    }

    /** @param staleNanos how long the advert of a member outside the view still counts */
    PeerTable(long staleNanos) {
        this.staleNanos = staleNanos;
    }

    /** A reload changed the timings: adverts from outside the view count for {@code nanos} from now on. */
    void staleNanos(long nanos) {
        staleNanos = nanos;
    }

    /** The current view, or null before the node has joined. */
    View view() {
        return view;
    }

    /**
     * A new view: the members that left it become departed, the members new in it (other than
     * {@code self}) are noted. Returns whether there are such newcomers.
     */
    boolean viewChanged(View v, Address self, long now) {
        View previous = view;
        view = v;
        viewAt = now;
        Set<Address> members = new HashSet<>(v.getMembers());
        peers.values().removeIf(p -> {
            if (!members.contains(p.address)) {
                departed.put(p.address, now);
                return true;
            }
            return false;
        });
        members.forEach(departed::remove);
        peers.values().forEach(p -> p.inView = true);
        newcomers = v.getMembers().stream()
                .filter(a -> !a.equals(self) && (previous == null || !previous.containsMember(a)))
                .collect(Collectors.toUnmodifiableSet());
        return !newcomers.isEmpty();
    }

    /**
     * An advert from {@code src}. Returns the hardware addresses of every member ever heard when
     * this advert changed its member's, so that the VIP drivers can tell them from a stranger's.
     */
    Optional<Set<String>> heard(Address src, Messages.Advert a, long now) {
        String name = a.state().name();
        Peer p = peers.computeIfAbsent(name, n -> new Peer());
        p.state = a.state();
        p.address = src;
        p.heardAt = now;
        p.inView = view != null && view.containsMember(src);
        p.macs = a.macs();
        if (!p.inView) {
            departed.putIfAbsent(src, now);
        }
        Peer h = history.computeIfAbsent(name, n -> new Peer());
        h.state = a.state();
        Optional<Set<String>> changed = Optional.empty();
        if (!h.macs.equals(a.macs())) {
            Set<String> macs = new HashSet<>();
            history.values().forEach(x -> macs.addAll(x.macs));
            macs.addAll(a.macs());
            changed = Optional.of(macs);
        }
        h.macs = a.macs();
        h.address = src;
        return changed;
    }

    /** The states of the members that count now: in the view, or heard within {@code staleAfter}. */
    List<MemberState> counted(long now) {
        List<MemberState> list = new ArrayList<>();
        for (Peer p : peers.values()) {
            if (p.state != null && (p.inView || now - p.heardAt <= staleNanos)) {
                list.add(p.state);
            }
        }
        return list;
    }

    /**
     * Whether this node must wait for news before it claims: the view is recent and a member of it
     * has not advertised yet, or only before the view although it is new in it.
     */
    boolean awaitingNews(Address self, long now) {
        if (view != null && now - viewAt < staleNanos) {
            for (Address a : view.getMembers()) {
                // A member whose state we do not know yet, or know only from before this view: a
                // node that joins just after its peer claimed still has the peer's older advert
                // (not holding) and would claim too. Each member advertises on a view change.
                boolean fresh = !newcomers.contains(a);
                if (!a.equals(self)
                        && peers.values().stream()
                                .noneMatch(p -> a.equals(p.address) && (fresh || p.heardAt - viewAt >= 0))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether no member has ever been heard under this cluster's key. */
    boolean neverHeard() {
        return history.isEmpty();
    }

    /** The last known state of the member that answers ARP from {@code mac}, if it is one. */
    Optional<MemberState> ownerOf(String mac) {
        return history.values().stream()
                .filter(h -> h.macs.contains(mac))
                .findFirst()
                .map(h -> h.state);
    }

    /** After a pause: every advert heard so far is out of date, until the members advertise again. */
    void stale(long now) {
        peers.values().forEach(p -> p.heardAt = now - staleNanos - 1);
    }

    /** Forgets the members that left the view more than a minute ago. */
    void expire(long now) {
        departed.values().removeIf(t -> now - t > DEPARTED_KEEP);
    }

    /** The members outside the view that still hear this node's adverts directly. */
    Set<Address> departed() {
        return Collections.unmodifiableSet(departed.keySet());
    }
}
