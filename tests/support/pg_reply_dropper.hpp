// A TCP proxy between a PostgreSQL client and its server that loses one
// reply at the worst moment: after the server has committed.
//
// Armed with a marker (bytes such as a client_id), the first connection whose
// client then sends the marker has its server's replies held back, one
// response cycle (up to ReadyForQuery) at a time. A cycle that ends inside a
// transaction is passed on; the first that ends outside one (ReadyForQuery
// status 'I': the statement committed, or the transaction ended) is not:
// the proxy closes both sides instead. The client sees its connection drop
// with the work done on the server. Other connections are relayed untouched.
//
// Frozen (freeze()), it forwards nothing in either direction on any
// connection, old or new, and closes nothing: a server, or a network, that
// stopped answering. thaw() resumes the relaying.
#ifndef OAUTHREG_TESTS_PG_REPLY_DROPPER_HPP
#define OAUTHREG_TESTS_PG_REPLY_DROPPER_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace test_support {

class pg_reply_dropper {
public:
    /** Listens on 127.0.0.1 (a free port) and relays to `host`:`port`. */
    pg_reply_dropper(std::string host, std::string port) : host_(std::move(host)), port_(std::move(port))
    {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(listener_, 16) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("pg_reply_dropper: cannot listen on 127.0.0.1");
        listen_port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    pg_reply_dropper(pg_reply_dropper const&) = delete;
    pg_reply_dropper& operator=(pg_reply_dropper const&) = delete;
    ~pg_reply_dropper()
    {
        stop_ = true;
        acceptor_.join();
        ::close(listener_);
        std::vector<std::thread> relays;
        {
            std::lock_guard lock(mutex_); // relays take it too: join them outside
            relays.swap(relays_);
        }
        for (auto& t : relays)
            t.join();
    }

    /** The port clients connect to. */
    std::string port() const { return std::to_string(listen_port_); }

    /** The next connection to send `marker` loses its next committed reply. */
    void arm(std::string marker)
    {
        std::lock_guard lock(mutex_);
        marker_ = std::move(marker);
        armed_ = true;
    }

    /** Stops forwarding, both ways, on every connection; sockets stay open. */
    void freeze() noexcept { frozen_ = true; }

    /** Forwards again what was held while frozen, and what follows. */
    void thaw() noexcept { frozen_ = false; }

    /** How many replies were lost so far. */
    int drops() const noexcept { return drops_; }

private:
    void accept_loop()
    {
        while (!stop_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            int client = ::accept(listener_, nullptr, nullptr);
            if (client < 0)
                continue;
            int server = connect_upstream();
            if (server < 0) {
                ::close(client);
                continue;
            }
            std::lock_guard lock(mutex_);
            relays_.emplace_back([this, client, server] { relay(client, server); });
        }
    }

    int connect_upstream() const
    {
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &res) != 0)
            return -1;
        int fd = -1;
        for (auto* ai = res; ai && fd < 0; ai = ai->ai_next) {
            fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
            if (fd >= 0 && ::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
                ::close(fd);
                fd = -1;
            }
        }
        ::freeaddrinfo(res);
        return fd;
    }

    static bool send_all(int fd, char const* p, std::size_t n)
    {
        while (n > 0) {
            auto k = ::send(fd, p, n, MSG_NOSIGNAL);
            if (k <= 0)
                return false;
            p += k;
            n -= static_cast<std::size_t>(k);
        }
        return true;
    }

    /** Whether this client's bytes (with the tail of the previous ones) hold the armed marker. */
    bool takes_marker(std::string& seen, char const* data, std::size_t n)
    {
        std::lock_guard lock(mutex_);
        if (!armed_ || marker_.empty())
            return false;
        seen.append(data, n);
        if (seen.find(marker_) != std::string::npos) {
            armed_ = false;
            return true;
        }
        if (seen.size() >= marker_.size())
            seen.erase(0, seen.size() - marker_.size() + 1);
        return false;
    }

    /** Passes on whole response cycles; false once a committed one was dropped. */
    bool hold_back(std::string& pending, std::string& cycle, int client)
    {
        while (pending.size() >= 5) {
            auto const* b = reinterpret_cast<unsigned char const*>(pending.data());
            std::size_t len =
                (std::uint32_t(b[1]) << 24) | (std::uint32_t(b[2]) << 16) | (std::uint32_t(b[3]) << 8) | b[4];
            if (pending.size() < 1 + len)
                return true;
            char type = pending[0];
            char status = len >= 5 ? pending[5] : 0;
            cycle.append(pending, 0, 1 + len);
            pending.erase(0, 1 + len);
            if (type != 'Z')
                continue;
            if (status == 'I') {
                ++drops_;
                return false;
            }
            send_all(client, cycle.data(), cycle.size());
            cycle.clear();
        }
        return true;
    }

    void relay(int client, int server)
    {
        bool held = false;
        std::string seen, pending, cycle;
        char buf[16384];
        while (!stop_) {
            if (frozen_) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                continue;
            }
            pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
            if (::poll(p, 2, 50) <= 0)
                continue;
            if (p[0].revents) {
                auto n = ::recv(client, buf, sizeof buf, 0);
                if (n <= 0)
                    break;
                if (!held && takes_marker(seen, buf, static_cast<std::size_t>(n)))
                    held = true;
                if (!send_all(server, buf, static_cast<std::size_t>(n)))
                    break;
            }
            if (p[1].revents) {
                auto n = ::recv(server, buf, sizeof buf, 0);
                if (n <= 0)
                    break;
                if (!held) {
                    if (!send_all(client, buf, static_cast<std::size_t>(n)))
                        break;
                    continue;
                }
                pending.append(buf, static_cast<std::size_t>(n));
                if (!hold_back(pending, cycle, client))
                    break;
            }
        }
        ::shutdown(client, SHUT_RDWR);
        ::shutdown(server, SHUT_RDWR);
        ::close(client);
        ::close(server);
    }

    std::string host_, port_;
    int listener_ = -1;
    std::uint16_t listen_port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<bool> frozen_{false};
    std::atomic<int> drops_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> relays_;
    std::string marker_;
    bool armed_ = false;
};

} // namespace test_support

#endif
