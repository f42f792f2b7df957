package org.tandemlb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandemlb.cluster.election.MemberState;

/** The advert's wire format: groups held with their epochs, settled; format 1 still read. */
class MessagesTest {

    @Test
    void anAdvertCarriesEveryGroupHeldWithItsEpochAndWhetherTheMemberIsSettled() throws IOException {
        MemberState s = new MemberState("lb2", 150, true, false, true, Map.of("web", 7L, "api", 9L));
        Messages.Advert a = new Messages.Advert(s, 11, true, List.of("02:00:00:00:00:02"));
        byte[] data = Messages.encode(a);
        assertEquals(2, data[0], "format 2");
        assertEquals(a, Messages.decode(data, 0, data.length));
        MemberState none = new MemberState("lb3", 0, false, true, false, Map.of());
        Messages.Advert b = new Messages.Advert(none, 0, false, List.of());
        byte[] more = Messages.encode(b);
        assertEquals(b, Messages.decode(more, 0, more.length));
    }

    /** An advert as a node of format 1 writes it. */
    private static byte[] version1(boolean holding, long epoch) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeByte(Messages.ADVERT);
            out.writeUTF("old");
            out.writeShort(100);
            out.writeBoolean(true);
            out.writeBoolean(true);
            out.writeBoolean(holding);
            out.writeLong(epoch);
            out.writeLong(5);
            out.writeBoolean(false);
            out.writeShort(1);
            out.writeUTF("02:00:00:00:00:01");
        }
        return bytes.toByteArray();
    }

    @Test
    void anAdvertOfANodeNotYetUpgradedReadsAsHoldingTheDefaultGroup() throws IOException {
        byte[] data = version1(true, 4);
        Messages.Advert a = (Messages.Advert) Messages.decode(data, 0, data.length);
        assertEquals(Map.of(VipConfig.DEFAULT_GROUP, 4L), a.state().holds());
        assertTrue(a.state().settled());
        assertEquals(5, a.maxEpoch());
        assertEquals(List.of("02:00:00:00:00:01"), a.macs());
        byte[] idle = version1(false, 0);
        assertEquals(
                Map.of(),
                ((Messages.Advert) Messages.decode(idle, 0, idle.length))
                        .state()
                        .holds());
    }

    @Test
    void aNewerFormatIsRejectedSayingWhatToDo() {
        byte[] data = {3, Messages.ADVERT};
        IOException e = assertThrows(IOException.class, () -> Messages.decode(data, 0, data.length));
        assertTrue(e.getMessage().contains("upgrade this node"), e.getMessage());
    }
}
