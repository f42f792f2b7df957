package org.tandemlb.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tandemlb.cluster.election.MemberState;

/**
 * The cluster's own messages, carried by JGroups (which authenticates and encrypts them): a
 * member's advert (its election state) and runtime changes of servers. A small binary format with
 * a version byte, so that nodes of different versions can tell each other apart. Version 2 (VIP
 * groups) carries, per group held, its name and epoch, and whether the member is settled. Adverts of
 * version 1 (a node not yet upgraded) are still read, as holding the {@code default} group; a node
 * of version 1 does not read ours (docs/cluster.md, "Upgrading").
 */
final class Messages {
    static final byte VERSION = 2;
    private static final int MAX_GROUPS = 10_000;
    static final byte ADVERT = 1;
    static final byte CHANGES = 2;
    private static final int MAX_ITEMS = 100_000;

    /**
     * A member's advert.
     *
     * @param state     its election state
     * @param maxEpoch  the highest epoch it has seen
     * @param stopping  whether it is stopping (a planned handover)
     * @param macs      the hardware addresses it answers ARP from for the VIPs
     */
    record Advert(MemberState state, long maxEpoch, boolean stopping, List<String> macs) {}

    /**
     * Server changes.
     *
     * @param all whether this is the sender's whole state (sent to joining members)
     */
    record Changes(boolean all, List<ServerChange> changes) {}

    private Messages() {}

    static byte[] encode(Advert a) {
        return write(out -> {
            out.writeByte(ADVERT);
            MemberState s = a.state();
            out.writeUTF(s.name());
            out.writeShort(s.priority());
            out.writeBoolean(s.ready());
            out.writeBoolean(s.serversUp());
            out.writeBoolean(s.settled());
            out.writeShort(s.holds().size());
            for (var h : s.holds().entrySet()) {
                out.writeUTF(h.getKey());
                out.writeLong(h.getValue());
            }
            out.writeLong(a.maxEpoch());
            out.writeBoolean(a.stopping());
            out.writeShort(a.macs().size());
            for (String m : a.macs()) {
                out.writeUTF(m);
            }
        });
    }

    static byte[] encode(Changes c) {
        return write(out -> {
            out.writeByte(CHANGES);
            out.writeBoolean(c.all());
            out.writeInt(c.changes().size());
            for (ServerChange s : c.changes()) {
                out.writeUTF(s.backend());
                out.writeUTF(s.server());
                out.writeByte(s.field().ordinal());
                out.writeInt(s.value());
                out.writeLong(s.clock());
                out.writeUTF(s.origin());
            }
        });
    }

    /** An {@link Advert} or {@link Changes}. */
    static Object decode(byte[] data, int offset, int length) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, offset, length));
        byte version = in.readByte();
        if (version != VERSION && version != 1) {
            throw new IOException("message format " + version + ", this node speaks " + VERSION
                    + " (and reads format 1): the sender runs a newer Tandem; upgrade this node"
                    + " (docs/cluster.md, Upgrading)");
        }
        byte type = in.readByte();
        if (version == 1 && type == ADVERT) {
            return advertVersion1(in);
        }
        switch (type) {
            case ADVERT -> {
                String name = in.readUTF();
                int priority = in.readShort();
                boolean ready = in.readBoolean();
                boolean up = in.readBoolean();
                boolean settled = in.readBoolean();
                int groups = in.readShort();
                if (groups < 0 || groups > MAX_GROUPS) {
                    throw new IOException("bad group count " + groups);
                }
                Map<String, Long> holds = new HashMap<>();
                for (int i = 0; i < groups; i++) {
                    holds.put(in.readUTF(), in.readLong());
                }
                long maxEpoch = in.readLong();
                boolean stopping = in.readBoolean();
                List<String> macs = readMacs(in);
                return new Advert(new MemberState(name, priority, ready, up, settled, holds), maxEpoch, stopping, macs);
            }
            case CHANGES -> {
                boolean all = in.readBoolean();
                int n = in.readInt();
                if (n < 0 || n > MAX_ITEMS) {
                    throw new IOException("bad change count " + n);
                }
                List<ServerChange> list = new ArrayList<>(n);
                ServerChange.Field[] fields = ServerChange.Field.values();
                for (int i = 0; i < n; i++) {
                    String backend = in.readUTF();
                    String server = in.readUTF();
                    int f = in.readByte();
                    if (f < 0 || f >= fields.length) {
                        throw new IOException("bad field " + f);
                    }
                    list.add(new ServerChange(backend, server, fields[f], in.readInt(), in.readLong(), in.readUTF()));
                }
                return new Changes(all, list);
            }
            default -> throw new IOException("unknown message type " + type);
        }
    }

    /**
     * A message of a node of an earlier version (format 1: one election, no groups), during a
     * rolling upgrade: its advert reads as holding the {@code default} group, and as settled (it
     * has no preempt_delay). Its server changes are written as ours.
     */
    private static Advert advertVersion1(DataInputStream in) throws IOException {
        String name = in.readUTF();
        int priority = in.readShort();
        boolean ready = in.readBoolean();
        boolean up = in.readBoolean();
        boolean holding = in.readBoolean();
        long epoch = in.readLong();
        long maxEpoch = in.readLong();
        boolean stopping = in.readBoolean();
        List<String> macs = readMacs(in);
        Map<String, Long> holds = holding ? Map.of(VipConfig.DEFAULT_GROUP, epoch) : Map.of();
        return new Advert(new MemberState(name, priority, ready, up, ready, holds), maxEpoch, stopping, macs);
    }

    private static List<String> readMacs(DataInputStream in) throws IOException {
        int n = in.readShort();
        List<String> macs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            macs.add(in.readUTF());
        }
        return macs;
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
