#include "id_pool.hpp"

namespace p2pgossip::router {

std::shared_ptr<IdPool> make_id_pool() { return std::make_shared<IdPool>(); }
std::size_t id_pool_size(const IdPool& pool) { return pool.size(); }

}  // namespace p2pgossip::router
