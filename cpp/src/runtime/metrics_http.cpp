#include "runtime/metrics_http.hpp"

#include <array>
#include <string_view>
#include <utility>

#include "p2pgossip/metrics/exposition.hpp"

namespace p2pgossip::runtime {

using asio::ip::tcp;

class MetricsHttp::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<MetricsHttp> server, tcp::socket socket)
      : server_(std::move(server)), socket_(std::move(socket)), timer_(socket_.get_executor()) {
    ++server_->active_;
  }
  ~Session() { --server_->active_; }

  void start() {
    timer_.expires_after(server_->limits_.timeout);
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (!ec) self->socket_.close();  // slow client: give up on it
    });
    read();
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(chunk_), [self = shared_from_this()](
                                                      const asio::error_code& ec, std::size_t n) {
      if (ec) return self->finish();
      self->head_.append(self->chunk_.data(), n);
      const auto end = self->head_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (self->head_.size() >= self->server_->limits_.max_request)
          return self->respond("431 Request Header Fields Too Large", "request too large\n");
        return self->read();
      }
      if (end + 4 > self->server_->limits_.max_request)
        return self->respond("431 Request Header Fields Too Large", "request too large\n");
      self->handle(std::string_view(self->head_).substr(0, end));
    });
  }

  void handle(std::string_view head) {
    std::size_t lines = 0;
    for (std::size_t i = head.find("\r\n"); i != std::string_view::npos;
         i = head.find("\r\n", i + 2))
      ++lines;
    if (lines > server_->limits_.max_headers)
      return respond("431 Request Header Fields Too Large", "too many headers\n");
    const std::string_view line = head.substr(0, head.find("\r\n"));
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1."))
      return respond("400 Bad Request", "malformed request\n");
    const std::string_view method = line.substr(0, sp1);
    std::string_view path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    path = path.substr(0, path.find('?'));
    if (path != "/metrics") return respond("404 Not Found", "only GET /metrics\n");
    if (method != "GET") return respond("405 Method Not Allowed", "only GET /metrics\n");
    server_->render_([self = shared_from_this()](std::string body) {
      asio::post(self->socket_.get_executor(), [self, body = std::move(body)]() mutable {
        self->respond("200 OK", std::move(body), metrics::kTextContentType);
      });
    });
  }

  void respond(std::string_view status, std::string body,
               std::string_view content_type = "text/plain; charset=utf-8") {
    if (!socket_.is_open()) return finish();
    out_ = "HTTP/1.1 ";
    out_ += status;
    out_ += "\r\nContent-Type: ";
    out_ += content_type;
    out_ += "\r\nContent-Length: " + std::to_string(body.size());
    out_ += "\r\nConnection: close\r\n\r\n";
    out_ += body;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const asio::error_code&, std::size_t) {
                        asio::error_code ignored;
                        self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                        self->finish();
                      });
  }

  void finish() {
    asio::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  std::shared_ptr<MetricsHttp> server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::array<char, 1024> chunk_{};
  std::string head_, out_;
};

MetricsHttp::MetricsHttp(asio::io_context& io, Render render, MetricsHttpLimits limits)
    : acceptor_(io), render_(std::move(render)), limits_(limits) {}

Result<std::shared_ptr<MetricsHttp>> MetricsHttp::open(asio::io_context& io,
                                                       const std::string& host, std::uint16_t port,
                                                       Render render, MetricsHttpLimits limits) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Error{"metrics endpoint: bad address '" + host + "': " + ec.message()};
  auto server = std::make_shared<MetricsHttp>(io, std::move(render), limits);
  const tcp::endpoint endpoint(address, port);
  auto& a = server->acceptor_;
  if (!a.open(endpoint.protocol(), ec) && !a.set_option(tcp::acceptor::reuse_address(true), ec) &&
      !a.bind(endpoint, ec) && !a.listen(asio::socket_base::max_listen_connections, ec)) {
    server->port_ = a.local_endpoint(ec).port();
  }
  if (ec)
    return Error{"metrics endpoint: cannot listen on " + host + ":" + std::to_string(port) + ": " +
                 ec.message()};
  asio::post(io, [server] { server->accept(); });
  return server;
}

void MetricsHttp::accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](const asio::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) {
          if (self->active_ < self->limits_.max_connections)
            std::make_shared<Session>(self, std::move(socket))->start();
          // else: the socket closes as it goes out of scope
        }
        self->accept();
      });
}

void MetricsHttp::close() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    asio::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

}  // namespace p2pgossip::runtime
