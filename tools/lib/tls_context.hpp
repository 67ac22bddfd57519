// `--tls-cert FILE --tls-key FILE`: the server's TLS settings over OpenSSL
// through Boost.Asio's SSL stream, and their reload on SIGHUP
// (docs/http.md, "TLS").
#ifndef OAUTHREG_TOOLS_LIB_TLS_CONTEXT_HPP
#define OAUTHREG_TOOLS_LIB_TLS_CONTEXT_HPP

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace oauthreg::cli {

/** The certificate and key a server presents: loaded once at start and again
    on each reload. A reload that fails keeps the pair that works; connections
    already open keep the context they began with. Thread-safe. */
class tls_credentials {
public:
    using context = boost::asio::ssl::context;

    /** Loads the pair; throws std::runtime_error naming the file and the fault. */
    tls_credentials(std::string cert_path, std::string key_path)
        : cert_(std::move(cert_path)), key_(std::move(key_path)), current_(load(cert_, key_))
    {
    }

    /** @return the context new connections use */
    std::shared_ptr<context> current() const
    {
        std::lock_guard lock(mutex_);
        return current_;
    }

    /** Reads both files again; on failure the old pair stays and the reason is returned. */
    std::string reload()
    {
        try {
            auto fresh = load(cert_, key_);
            std::lock_guard lock(mutex_);
            current_ = std::move(fresh);
            return {};
        } catch (std::exception const& e) {
            return e.what();
        }
    }

    /** A server context for `cert` (PEM, the chain may follow) and `key` (PEM):
        TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1), TLS 1.2 with
        ECDHE and AEAD ciphers only (RFC 9325 4.2), no compression (CRIME). */
    static std::shared_ptr<context> load(std::string const& cert, std::string const& key)
    {
        auto ctx = std::make_shared<context>(context::tls_server);
        ctx->set_options(context::default_workarounds | context::no_sslv2 | context::no_sslv3 | context::no_tlsv1 |
                         context::no_tlsv1_1 | context::no_compression);
        SSL_CTX* native = ctx->native_handle();
        SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
        SSL_CTX_set_cipher_list(native, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
        // An encrypted key is refused, never asked for on a terminal (it would block a thread).
        ctx->set_password_callback([](std::size_t, context::password_purpose) { return std::string(); });
        boost::system::error_code ec;
        ctx->use_certificate_chain_file(cert, ec);
        if (ec)
            throw std::runtime_error(cert + ": cannot load the certificate chain (" + ec.message() + ")");
        ctx->use_private_key_file(key, context::pem, ec);
        if (ec)
            throw std::runtime_error(key + ": cannot load the private key (" + ec.message() + ")");
        if (SSL_CTX_check_private_key(native) != 1)
            throw std::runtime_error(key + ": the private key does not match the certificate in " + cert);
        return ctx;
    }

private:
    std::string const cert_, key_;
    mutable std::mutex mutex_;
    std::shared_ptr<context> current_;
};

} // namespace oauthreg::cli

#endif
