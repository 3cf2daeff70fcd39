/*
 * test_tls_decrypt.c - record decryption against RFC 8448 §3 ("Simple
 * 1-RTT Handshake"): the published server handshake traffic secret must
 * open the server's encrypted flight (the 679-byte record the trace shows
 * under "{server} send handshake record") into the published
 * EncryptedExtensions, Certificate, CertificateVerify and Finished; and the
 * same record must not open at the wrong sequence number, with one bit
 * flipped, or cut short. The client's Finished (client handshake secret) and
 * the server's application data at sequence number 1 (application secret)
 * check the other direction and the nonce's sequence XOR.
 */
#include <stdlib.h>

#include "check.h"
#include "tls_decrypt.h"

/* RFC 8448 §3, "{server} derive secret tls13 s hs traffic". */
static const char server_hs_traffic_secret[] =
    "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";

/* RFC 8448 §3, "{server} send handshake record: complete record (679 octets)". */
static const char server_flight_record[] =
    "17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca"
    "07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b"
    "d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c"
    "7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092"
    "8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a8"
    "9441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f"
    "4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a3"
    "6ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e"
    "1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052c"
    "f93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe"
    "5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb"
    "5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038"
    "ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd50278"
    "4016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e"
    "750edc53370d2b";

/* RFC 8448 §3: EncryptedExtensions, Certificate, CertificateVerify, Finished as the trace lists them. */
static const char server_flight_plaintext[] =
    "080000240022000a00140012001d00170018001901000101010201030104001c00024001000000000b0001b9000001b5"
    "0001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403130372"
    "7361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372"
    "736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c"
    "0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0cc"
    "b0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a"
    "8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0"
    "300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594"
    "365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1"
    "fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4"
    "2b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc"
    "90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671"
    "459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3140000"
    "209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";

/* RFC 8448 §3: "{client} derive secret tls13 c hs traffic" and the client's Finished record
 * ("{client} send handshake record: complete record (58 octets)"). */
static const char client_hs_traffic_secret[] =
    "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
static const char client_finished_record[] =
    "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd"
    "1caeacab6867d726c40546";
/* RFC 8448 §3: its Finished message ("{client} construct a Finished handshake message"). */
static const char client_finished_plaintext[] =
    "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

/* RFC 8448 §3: "{server} derive secret tls13 s ap traffic" and the server's application data record,
 * its second under that secret (the first carried the NewSessionTicket): sequence number 1. The
 * plaintext is the 50 bytes 00 01 ... 31. */
static const char server_ap_traffic_secret[] =
    "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
static const char server_app_record[] =
    "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59"
    "a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d";

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h) / 2;
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n < max ? n : max;
}

static void test_rfc8448_server_flight(void)
{
	uint8_t secret[32], rec[800], want[800], out[800];
	unhex(server_hs_traffic_secret, secret, sizeof(secret));
	size_t rec_len = unhex(server_flight_record, rec, sizeof(rec));
	size_t want_len = unhex(server_flight_plaintext, want, sizeof(want));
	CHECK_EQ(rec_len, 679);
	CHECK_EQ(want_len, 657);

	struct tls_decrypt_dir d = {0};
	CHECK(tls_decrypt_init13(&d, 0x1301, secret, sizeof(secret)));
	size_t out_len = 0;
	uint8_t type = 0;
	CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, rec_len - 5, out, &out_len, &type), TLS_DECRYPT_OK);
	CHECK_EQ(type, 22); /* handshake, from the inner plaintext */
	CHECK_EQ(out_len, want_len);
	CHECK(out_len == want_len && memcmp(out, want, want_len) == 0);
	CHECK_EQ(d.seq, 1);

	/* The same record as the second one of the direction: the nonce differs, the tag fails. */
	CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, rec_len - 5, out, &out_len, &type),
	         TLS_DECRYPT_BAD_TAG);
	CHECK_EQ(d.seq, 2);

	/* One bit flipped in the ciphertext, in the header (the AAD), or in the tag. */
	size_t flips[] = {100, 2, rec_len - 1};
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		CHECK(tls_decrypt_init13(&d, 0x1301, secret, sizeof(secret)));
		rec[flips[i]] ^= 0x01;
		CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, rec_len - 5, out, &out_len, &type),
		         TLS_DECRYPT_BAD_TAG);
		rec[flips[i]] ^= 0x01;
	}

	/* Shorter than a tag: not even tried. One byte short: does not authenticate. */
	CHECK(tls_decrypt_init13(&d, 0x1301, secret, sizeof(secret)));
	CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, 15, out, &out_len, &type), TLS_DECRYPT_MALFORMED);
	CHECK(tls_decrypt_init13(&d, 0x1301, secret, sizeof(secret)));
	CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, rec_len - 6, out, &out_len, &type),
	         TLS_DECRYPT_BAD_TAG);

	/* A wrong secret (the client's handshake secret would be, too). */
	secret[0] ^= 0x80;
	CHECK(tls_decrypt_init13(&d, 0x1301, secret, sizeof(secret)));
	CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, rec_len - 5, out, &out_len, &type),
	         TLS_DECRYPT_BAD_TAG);
	tls_decrypt_clear(&d);
}

static void test_rfc8448_client_finished_and_app_data(void)
{
	uint8_t secret[32], rec[100], want[64], out[100];
	size_t out_len = 0;
	uint8_t type = 0;
	struct tls_decrypt_dir d = {0};

	unhex(client_hs_traffic_secret, secret, sizeof(secret));
	size_t rec_len = unhex(client_finished_record, rec, sizeof(rec));
	size_t want_len = unhex(client_finished_plaintext, want, sizeof(want));
	CHECK(tls_decrypt_init13(&d, 0x1301, secret, sizeof(secret)));
	CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, rec_len - 5, out, &out_len, &type), TLS_DECRYPT_OK);
	CHECK_EQ(type, 22);
	CHECK(out_len == want_len && memcmp(out, want, want_len) == 0);

	/* Sequence number 1: the nonce is the IV with its last byte XORed by 1. */
	unhex(server_ap_traffic_secret, secret, sizeof(secret));
	rec_len = unhex(server_app_record, rec, sizeof(rec));
	CHECK(tls_decrypt_init13(&d, 0x1301, secret, sizeof(secret)));
	tls_decrypt_skip(&d); /* the NewSessionTicket record */
	CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, rec_len - 5, out, &out_len, &type), TLS_DECRYPT_OK);
	CHECK_EQ(type, 23);
	CHECK_EQ(out_len, 50);
	bool counts = out_len == 50;
	for (size_t i = 0; counts && i < 50; i++)
		counts = out[i] == i;
	CHECK(counts);
	/* At sequence 0 (without the skip) it does not open. */
	CHECK(tls_decrypt_init13(&d, 0x1301, secret, sizeof(secret)));
	CHECK_EQ(tls_decrypt_record(&d, rec, rec + 5, rec_len - 5, out, &out_len, &type),
	         TLS_DECRYPT_BAD_TAG);
	tls_decrypt_clear(&d);
}

static void test_suites(void)
{
	const EVP_MD *md;
	struct tls_decrypt_dir d = {0};
	uint8_t secret[48] = {0};
	CHECK_EQ(tls_decrypt_suite(0x1301, true, &md), TLS_AEAD_AES_128_GCM);
	CHECK_EQ(tls_decrypt_suite(0x1302, true, &md), TLS_AEAD_AES_256_GCM);
	CHECK(md == EVP_sha384());
	CHECK_EQ(tls_decrypt_suite(0x1303, true, &md), TLS_AEAD_CHACHA20_POLY1305);
	CHECK_EQ(tls_decrypt_suite(0x1304, true, &md), TLS_AEAD_NONE); /* CCM: not covered */
	CHECK_EQ(tls_decrypt_suite(0xc02f, false, &md), TLS_AEAD_AES_128_GCM);
	CHECK_EQ(tls_decrypt_suite(0xc030, false, &md), TLS_AEAD_AES_256_GCM);
	CHECK_EQ(tls_decrypt_suite(0xcca8, false, &md), TLS_AEAD_CHACHA20_POLY1305);
	CHECK_EQ(tls_decrypt_suite(0x002f, false, &md), TLS_AEAD_NONE); /* CBC: not covered */
	/* A secret whose length is not the suite's hash length is refused. */
	CHECK(!tls_decrypt_init13(&d, 0x1301, secret, 48));
	CHECK(!tls_decrypt_init13(&d, 0x1302, secret, 32));
	CHECK(tls_decrypt_init13(&d, 0x1302, secret, 48));
	CHECK(tls_decrypt_init13(&d, 0x1303, secret, 32));
	CHECK(!tls_decrypt_init13(&d, 0x1304, secret, 32));
	struct tls_decrypt_dir cl = {0}, sv = {0};
	uint8_t cr[32] = {1}, sr[32] = {2};
	CHECK(tls_decrypt_init12(&cl, &sv, 0xc02f, secret, 48, cr, sr));
	CHECK(!tls_decrypt_init12(&cl, &sv, 0xc02f, secret, 32, cr, sr));
	CHECK(!tls_decrypt_init12(&cl, &sv, 0x002f, secret, 48, cr, sr));
	/* No keys: nothing opens. */
	struct tls_decrypt_dir none = {0};
	uint8_t out[32], type;
	size_t n;
	CHECK_EQ(tls_decrypt_record(&none, cr, cr, 20, out, &n, &type), TLS_DECRYPT_NO_KEYS);
	tls_decrypt_clear(&d);
	tls_decrypt_clear(&cl);
	tls_decrypt_clear(&sv);
}

int main(void)
{
	test_rfc8448_server_flight();
	test_rfc8448_client_finished_and_app_data();
	test_suites();
	return check_report("test_tls_decrypt");
}
