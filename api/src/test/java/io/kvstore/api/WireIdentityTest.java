package io.kvstore.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.protobuf.services.HealthStatusManager;
import io.kvstore.api.authpb.AuthProto;
import io.kvstore.api.authpb.Permission;
import io.kvstore.api.etcdserverpb.AlarmType;
import io.kvstore.api.etcdserverpb.AuthGrpc;
import io.kvstore.api.etcdserverpb.ClusterGrpc;
import io.kvstore.api.etcdserverpb.Compare;
import io.kvstore.api.etcdserverpb.KVGrpc;
import io.kvstore.api.etcdserverpb.LeaseGrpc;
import io.kvstore.api.etcdserverpb.MaintenanceGrpc;
import io.kvstore.api.etcdserverpb.PutRequest;
import io.kvstore.api.etcdserverpb.RangeRequest;
import io.kvstore.api.etcdserverpb.ResponseHeader;
import io.kvstore.api.etcdserverpb.RpcProto;
import io.kvstore.api.etcdserverpb.StatusResponse;
import io.kvstore.api.etcdserverpb.WatchCreateRequest;
import io.kvstore.api.etcdserverpb.WatchGrpc;
import io.kvstore.api.etcdserverpb.WatchRequest;
import io.kvstore.api.mvccpb.Event;
import io.kvstore.api.mvccpb.KeyValue;
import io.kvstore.api.mvccpb.KvProto;
import io.kvstore.api.v3electionpb.ElectionGrpc;
import io.kvstore.api.v3electionpb.ElectionProto;
import io.kvstore.api.v3lockpb.LockGrpc;
import io.kvstore.api.v3lockpb.LockProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The facts etcd clients depend on: gRPC method paths, proto package names, and field
 * numbers with their wire types. Expected values are written out by hand from etcd's
 * 3.4/3.5 .proto files, never derived from our own generated code.
 */
class WireIdentityTest {

    @Test
    void grpcMethodPathsAreEtcds() {
        assertThat(KVGrpc.getRangeMethod().getFullMethodName()).isEqualTo("etcdserverpb.KV/Range");
        assertThat(WatchGrpc.getWatchMethod().getFullMethodName()).isEqualTo("etcdserverpb.Watch/Watch");
        assertThat(LeaseGrpc.getLeaseKeepAliveMethod().getFullMethodName())
                .isEqualTo("etcdserverpb.Lease/LeaseKeepAlive");
        assertThat(ClusterGrpc.getMemberPromoteMethod().getFullMethodName())
                .isEqualTo("etcdserverpb.Cluster/MemberPromote");
        assertThat(MaintenanceGrpc.getSnapshotMethod().getFullMethodName())
                .isEqualTo("etcdserverpb.Maintenance/Snapshot");
        assertThat(AuthGrpc.getAuthenticateMethod().getFullMethodName())
                .isEqualTo("etcdserverpb.Auth/Authenticate");
        assertThat(ElectionGrpc.getCampaignMethod().getFullMethodName())
                .isEqualTo("v3electionpb.Election/Campaign");
        assertThat(LockGrpc.getLockMethod().getFullMethodName()).isEqualTo("v3lockpb.Lock/Lock");
    }

    @Test
    void streamingShapesAreEtcds() {
        assertThat(WatchGrpc.getWatchMethod().getType()).isEqualTo(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING);
        assertThat(LeaseGrpc.getLeaseKeepAliveMethod().getType())
                .isEqualTo(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING);
        assertThat(MaintenanceGrpc.getSnapshotMethod().getType())
                .isEqualTo(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING);
        assertThat(ElectionGrpc.getObserveMethod().getType())
                .isEqualTo(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING);
        assertThat(KVGrpc.getTxnMethod().getType()).isEqualTo(io.grpc.MethodDescriptor.MethodType.UNARY);
    }

    /** Every rpc of etcd 3.5 except Maintenance/Downgrade, and nothing else. */
    @Test
    void everyServiceHasExactlyEtcdsMethods() {
        List<String> expected = List.of(
                "etcdserverpb.KV/Range", "etcdserverpb.KV/Put", "etcdserverpb.KV/DeleteRange",
                "etcdserverpb.KV/Txn", "etcdserverpb.KV/Compact",
                "etcdserverpb.Watch/Watch",
                "etcdserverpb.Lease/LeaseGrant", "etcdserverpb.Lease/LeaseRevoke",
                "etcdserverpb.Lease/LeaseKeepAlive", "etcdserverpb.Lease/LeaseTimeToLive",
                "etcdserverpb.Lease/LeaseLeases",
                "etcdserverpb.Cluster/MemberAdd", "etcdserverpb.Cluster/MemberRemove",
                "etcdserverpb.Cluster/MemberUpdate", "etcdserverpb.Cluster/MemberList",
                "etcdserverpb.Cluster/MemberPromote",
                "etcdserverpb.Maintenance/Alarm", "etcdserverpb.Maintenance/Status",
                "etcdserverpb.Maintenance/Defragment", "etcdserverpb.Maintenance/Hash",
                "etcdserverpb.Maintenance/HashKV", "etcdserverpb.Maintenance/Snapshot",
                "etcdserverpb.Maintenance/MoveLeader",
                "etcdserverpb.Auth/AuthEnable", "etcdserverpb.Auth/AuthDisable",
                "etcdserverpb.Auth/AuthStatus", "etcdserverpb.Auth/Authenticate",
                "etcdserverpb.Auth/UserAdd", "etcdserverpb.Auth/UserGet", "etcdserverpb.Auth/UserList",
                "etcdserverpb.Auth/UserDelete", "etcdserverpb.Auth/UserChangePassword",
                "etcdserverpb.Auth/UserGrantRole", "etcdserverpb.Auth/UserRevokeRole",
                "etcdserverpb.Auth/RoleAdd", "etcdserverpb.Auth/RoleGet", "etcdserverpb.Auth/RoleList",
                "etcdserverpb.Auth/RoleDelete", "etcdserverpb.Auth/RoleGrantPermission",
                "etcdserverpb.Auth/RoleRevokePermission",
                "v3electionpb.Election/Campaign", "v3electionpb.Election/Proclaim",
                "v3electionpb.Election/Leader", "v3electionpb.Election/Observe",
                "v3electionpb.Election/Resign",
                "v3lockpb.Lock/Lock", "v3lockpb.Lock/Unlock");
        List<String> actual = Stream.of(RpcProto.getDescriptor(), ElectionProto.getDescriptor(),
                        LockProto.getDescriptor())
                .flatMap(f -> f.getServices().stream())
                .flatMap(s -> s.getMethods().stream())
                .map(m -> m.getService().getFullName() + "/" + m.getName())
                .toList();
        assertThat(actual).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void requestAndResponseTypesAreEtcds() {
        ServiceDescriptor kv = RpcProto.getDescriptor().findServiceByName("KV");
        MethodDescriptor compact = kv.findMethodByName("Compact");
        assertThat(compact.getInputType().getFullName()).isEqualTo("etcdserverpb.CompactionRequest");
        assertThat(compact.getOutputType().getFullName()).isEqualTo("etcdserverpb.CompactionResponse");
        MethodDescriptor observe = ElectionProto.getDescriptor().findServiceByName("Election")
                .findMethodByName("Observe");
        assertThat(observe.getInputType().getFullName()).isEqualTo("v3electionpb.LeaderRequest");
        assertThat(observe.getOutputType().getFullName()).isEqualTo("v3electionpb.LeaderResponse");
    }

    @Test
    void protoPackagesAreEtcds() {
        assertThat(RpcProto.getDescriptor().getPackage()).isEqualTo("etcdserverpb");
        assertThat(KvProto.getDescriptor().getPackage()).isEqualTo("mvccpb");
        assertThat(AuthProto.getDescriptor().getPackage()).isEqualTo("authpb");
        assertThat(ElectionProto.getDescriptor().getPackage()).isEqualTo("v3electionpb");
        assertThat(LockProto.getDescriptor().getPackage()).isEqualTo("v3lockpb");
        assertThat(KeyValue.getDescriptor().getFullName()).isEqualTo("mvccpb.KeyValue");
        assertThat(Permission.getDescriptor().getFullName()).isEqualTo("authpb.Permission");
        for (FileDescriptor f : List.of(RpcProto.getDescriptor(), KvProto.getDescriptor(),
                AuthProto.getDescriptor(), ElectionProto.getDescriptor(), LockProto.getDescriptor())) {
            assertThat(f.getOptions().getJavaPackage()).isEqualTo("io.kvstore.api." + f.getPackage());
        }
    }

    @Test
    void fieldNumbersAreEtcds() {
        assertThat(number(RangeRequest.getDescriptor(), "keys_only")).isEqualTo(8);
        assertThat(number(RangeRequest.getDescriptor(), "count_only")).isEqualTo(9);
        assertThat(number(RangeRequest.getDescriptor(), "min_mod_revision")).isEqualTo(10);
        assertThat(number(RangeRequest.getDescriptor(), "max_create_revision")).isEqualTo(13);
        assertThat(number(PutRequest.getDescriptor(), "ignore_lease")).isEqualTo(6);
        assertThat(number(WatchCreateRequest.getDescriptor(), "fragment")).isEqualTo(8);
        assertThat(number(io.kvstore.api.etcdserverpb.WatchResponse.getDescriptor(), "events")).isEqualTo(11);
        assertThat(number(ResponseHeader.getDescriptor(), "raft_term")).isEqualTo(4);
        assertThat(number(KeyValue.getDescriptor(), "lease")).isEqualTo(6);
        assertThat(number(StatusResponse.getDescriptor(), "isLearner")).isEqualTo(10);
        assertThat(number(StatusResponse.getDescriptor(), "dbSizeInUse")).isEqualTo(9);
        assertThat(number(Compare.getDescriptor(), "range_end")).isEqualTo(64);
        assertThat(number(Compare.getDescriptor(), "lease")).isEqualTo(8);
        assertThat(number(io.kvstore.api.etcdserverpb.MemberListRequest.getDescriptor(), "linearizable"))
                .isEqualTo(1);
    }

    @Test
    void enumNumbersAreEtcds() {
        assertThat(RangeRequest.SortOrder.DESCEND.getNumber()).isEqualTo(2);
        assertThat(RangeRequest.SortTarget.VALUE.getNumber()).isEqualTo(4);
        assertThat(Compare.CompareResult.NOT_EQUAL.getNumber()).isEqualTo(3);
        assertThat(Compare.CompareTarget.LEASE.getNumber()).isEqualTo(4);
        assertThat(Event.EventType.DELETE.getNumber()).isEqualTo(1);
        assertThat(AlarmType.NOSPACE.getNumber()).isEqualTo(1);
        assertThat(AlarmType.CORRUPT.getNumber()).isEqualTo(2);
        assertThat(WatchCreateRequest.FilterType.NODELETE.getNumber()).isEqualTo(1);
        assertThat(Permission.Type.READWRITE.getNumber()).isEqualTo(2);
    }

    /** Our encoding, read back without our classes: every field under etcd's number and wire type. */
    @Test
    void rangeRequestEncodesUnderEtcdsNumbers() throws IOException {
        RangeRequest request = fullRangeRequest();
        byte[] bytes = request.toByteArray();

        UnknownFieldSet raw = UnknownFieldSet.parseFrom(bytes);
        assertThat(raw.asMap()).containsOnlyKeys(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
        assertThat(raw.getField(1).getLengthDelimitedList()).containsExactly(ByteString.copyFromUtf8("a"));
        assertThat(raw.getField(2).getLengthDelimitedList()).containsExactly(ByteString.copyFromUtf8("b"));
        assertThat(raw.getField(3).getVarintList()).containsExactly(10L);
        assertThat(raw.getField(4).getVarintList()).containsExactly(42L);
        assertThat(raw.getField(5).getVarintList()).containsExactly(2L); // DESCEND
        assertThat(raw.getField(6).getVarintList()).containsExactly(3L); // MOD
        for (int boolField : new int[] {7, 8, 9}) {
            assertThat(raw.getField(boolField).getVarintList()).containsExactly(1L);
        }
        assertThat(raw.getField(10).getVarintList()).containsExactly(5L);
        assertThat(raw.getField(11).getVarintList()).containsExactly(6L);
        assertThat(raw.getField(12).getVarintList()).containsExactly(7L);
        assertThat(raw.getField(13).getVarintList()).containsExactly(8L);

        RangeRequest back = RangeRequest.parseFrom(bytes);
        assertThat(back).isEqualTo(request);
        assertThat(back.getUnknownFields().asMap()).isEmpty();
        assertThat(back.getKeysOnly()).isTrue();
        assertThat(back.getCountOnly()).isTrue();
        assertThat(back.getSerializable()).isTrue();
        assertThat(back.getSortOrder()).isEqualTo(RangeRequest.SortOrder.DESCEND);
        assertThat(back.getSortTarget()).isEqualTo(RangeRequest.SortTarget.MOD);
        assertThat(back.getMinModRevision()).isEqualTo(5);
        assertThat(back.getMaxCreateRevision()).isEqualTo(8);
    }

    /** Bytes written by hand from etcd's numbers decode into the fields etcd means. */
    @Test
    void handEncodedEtcdBytesDecode() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        // WatchRequest{create_request(1): WatchCreateRequest{key(1), range_end(2),
        // start_revision(3), filters(5, packed), prev_kv(6), watch_id(7), fragment(8)}}
        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        CodedOutputStream in = CodedOutputStream.newInstance(inner);
        in.writeBytes(1, ByteString.copyFromUtf8("/a"));
        in.writeBytes(2, ByteString.copyFromUtf8("/b"));
        in.writeInt64(3, 17);
        in.writeBytes(5, ByteString.copyFrom(new byte[] {0, 1})); // packed NOPUT, NODELETE
        in.writeBool(6, true);
        in.writeInt64(7, 3);
        in.writeBool(8, true);
        in.flush();
        out.writeBytes(1, ByteString.copyFrom(inner.toByteArray()));
        out.flush();

        WatchRequest request = WatchRequest.parseFrom(buf.toByteArray());
        assertThat(request.getRequestUnionCase()).isEqualTo(WatchRequest.RequestUnionCase.CREATE_REQUEST);
        WatchCreateRequest create = request.getCreateRequest();
        assertThat(create.getKey().toStringUtf8()).isEqualTo("/a");
        assertThat(create.getRangeEnd().toStringUtf8()).isEqualTo("/b");
        assertThat(create.getStartRevision()).isEqualTo(17);
        assertThat(create.getFiltersList()).containsExactly(
                WatchCreateRequest.FilterType.NOPUT, WatchCreateRequest.FilterType.NODELETE);
        assertThat(create.getPrevKv()).isTrue();
        assertThat(create.getWatchId()).isEqualTo(3);
        assertThat(create.getFragment()).isTrue();
        assertThat(create.getUnknownFields().asMap()).isEmpty();
    }

    @Test
    void compareRangeEndUsesFieldSixtyFour() throws IOException {
        Compare compare = Compare.newBuilder()
                .setTarget(Compare.CompareTarget.MOD)
                .setResult(Compare.CompareResult.LESS)
                .setKey(ByteString.copyFromUtf8("k"))
                .setModRevision(9)
                .setRangeEnd(ByteString.copyFromUtf8("l"))
                .build();
        UnknownFieldSet raw = UnknownFieldSet.parseFrom(compare.toByteArray());
        assertThat(raw.asMap()).containsOnlyKeys(1, 2, 3, 6, 64);
        assertThat(raw.getField(6).getVarintList()).containsExactly(9L);
        assertThat(Compare.parseFrom(compare.toByteArray())).isEqualTo(compare);
    }

    @Test
    void healthServiceIsAvailable() {
        HealthStatusManager health = new HealthStatusManager();
        assertThat(health.getHealthService().bindService().getServiceDescriptor().getName())
                .isEqualTo("grpc.health.v1.Health");
    }

    private static RangeRequest fullRangeRequest() {
        return RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("a"))
                .setRangeEnd(ByteString.copyFromUtf8("b"))
                .setLimit(10)
                .setRevision(42)
                .setSortOrder(RangeRequest.SortOrder.DESCEND)
                .setSortTarget(RangeRequest.SortTarget.MOD)
                .setSerializable(true)
                .setKeysOnly(true)
                .setCountOnly(true)
                .setMinModRevision(5)
                .setMaxModRevision(6)
                .setMinCreateRevision(7)
                .setMaxCreateRevision(8)
                .build();
    }

    private static int number(Descriptor message, String field) {
        assertThat(message.findFieldByName(field)).as("%s.%s", message.getFullName(), field).isNotNull();
        return message.findFieldByName(field).getNumber();
    }
}
